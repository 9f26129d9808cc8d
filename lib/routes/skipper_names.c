/* skipper_names.c: the filter and predicate names skipper knows, vendored from
 * docs/spec/skipper-filters-predicates.tsv (sorted with strcmp; test_kube_lint checks that
 * both lists equal the file, so they cannot drift apart). */
#include "routes/kube_lint.h"

#include <stdlib.h>
#include <string.h>

static const char *const filters[] = {
	"absorb", "absorbSilent", "admissionControl", "annotate", "apiUsageMonitoring",
	"appendContextRequestHeader", "appendContextResponseHeader", "appendRequestHeader",
	"appendResponseHeader", "auditLog", "awsSigv4", "backendBandwidth", "backendChunks",
	"backendIsProxy", "backendLatency", "backendRatelimit", "backendTimeout", "bandwidth",
	"basicAuth", "bearerinjector", "blockContent", "blockContentHex", "cache", "chunks",
	"clientRatelimit", "clusterClientRatelimit", "clusterLeakyBucketRatelimit", "clusterRatelimit",
	"comment", "compress", "consecutiveBreaker", "consistentHashBalanceFactor", "consistentHashKey",
	"copyRequestHeader", "copyResponseHeader", "corsOrigin", "decodeBase64RequestHeader",
	"decodeBase64ResponseHeader", "decompress", "disableAccessLog", "disableBreaker",
	"disableRatelimit", "dropQuery", "dropRequestCookie", "dropRequestHeader",
	"dropRequestHeaderRegexp", "dropResponseCookie", "dropResponseHeader", "dropResponseHeaderRegexp",
	"enableAccessLog", "encodeBase64RequestHeader", "encodeBase64ResponseHeader",
	"encodeRequestHeader", "encodeResponseHeader", "endpointCreated", "fadeIn", "fifo",
	"fifoWithBody", "flowId", "forwardToken", "forwardTokenField", "grantCallback",
	"grantClaimsQuery", "grantLogout", "headerToQuery", "healthcheck", "histogramRequestLatency",
	"histogramResponseLatency", "inlineContent", "inlineContentIfStatus", "jsCookie", "jwtMetrics",
	"jwtValidation", "jwtValidationKeys", "latency", "lifo", "lifoGroup", "lifoGroupWithBody",
	"lifoWithBody", "logBody", "logHeader", "lua", "maskAccessLogQuery", "modPath",
	"modRequestHeader", "modResponseHeader", "normalRequestLatency", "normalResponseLatency",
	"oauthGrant", "oauthOidcAllClaims", "oauthOidcAnyClaims", "oauthOidcUserInfo",
	"oauthTokeninfoAllKV", "oauthTokeninfoAllScope", "oauthTokeninfoAnyKV", "oauthTokeninfoAnyScope",
	"oauthTokeninfoValidate", "oauthTokenintrospectionAllClaims", "oauthTokenintrospectionAllKV",
	"oauthTokenintrospectionAnyClaims", "oauthTokenintrospectionAnyKV", "oidcClaimsQuery",
	"opaAuthorizeRequest", "opaAuthorizeRequestWithBody", "opaServeResponse",
	"opaServeResponseWithReqBody", "originMarker", "preserveHost", "queryToHeader", "randomContent",
	"rateBreaker", "ratelimit", "ratelimitFailClosed", "readTimeout", "redirectTo", "redirectToLower",
	"repeatContent", "repeatContentHex", "requestCookie", "responseCookie", "rfcHost", "rfcPath",
	"secureOauthTokenintrospectionAllClaims", "secureOauthTokenintrospectionAllKV",
	"secureOauthTokenintrospectionAnyClaims", "secureOauthTokenintrospectionAnyKV", "sed", "sedDelim",
	"sedRequest", "sedRequestDelim", "setContextRequestHeader", "setContextResponseHeader",
	"setFastCgiFilename", "setPath", "setQuery", "setRequestHeader", "setRequestHeaderFromSecret",
	"setResponseHeader", "stateBagToTag", "static", "status", "stripQuery", "tarpit", "tee",
	"teeLoopback", "teeResponse", "teenf", "tlsPassClientCertificates", "tracingBaggageToTag",
	"tracingSpanName", "tracingTag", "tracingTagFromResponse", "tracingTagFromResponseIfStatus",
	"uniformRequestLatency", "uniformResponseLatency", "unknownRatelimit", "unverifiedAuditLog",
	"webhook", "wrapContent", "wrapContentHex", "writeTimeout", "xforward", "xforwardFirst",
};

static const char *const predicates[] = {
	"After", "Before", "Between", "ClientIP", "ContentLengthBetween", "Cookie", "Cron", "False",
	"ForwardedHost", "ForwardedProtocol", "Header", "HeaderRegexp", "HeaderSHA256", "Host", "HostAny",
	"JWTPayloadAllKV", "JWTPayloadAllKVRegexp", "JWTPayloadAnyKV", "JWTPayloadAnyKVRegexp", "Method",
	"Methods", "OTelBaggage", "Path", "PathRegexp", "PathSubtree", "QueryParam", "Shutdown", "Source",
	"SourceFromLast", "Tee", "Traffic", "TrafficSegment", "True", "Weight",
};

static int by_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static bool known(const char *const *names, size_t n, str name)
{
	char tmp[128];
	if (name.len >= sizeof tmp)
		return false;
	memcpy(tmp, name.ptr, name.len);
	tmp[name.len] = 0;
	return bsearch(tmp, names, n, sizeof *names, by_name) != NULL;
}

bool skipper_filter_known(str name) { return known(filters, sizeof filters / sizeof *filters, name); }
bool skipper_predicate_known(str name) { return known(predicates, sizeof predicates / sizeof *predicates, name); }

const char *const *skipper_names(bool want_filters, size_t *n)
{
	*n = want_filters ? sizeof filters / sizeof *filters : sizeof predicates / sizeof *predicates;
	return want_filters ? filters : predicates;
}
