/*
SyftBox Accounting Service

The accounting service lets people and services on the SyftBox network pay and get paid for AI services. This document is the contract: it describes the wire protocol of the public SyftBox accounting service, and the reference service in `syftbox_accounting.server` implements exactly this.  ## Conventions - Field names are camelCase. Every successful response wraps its object:   `{\"user\": ...}`, `{\"transaction\": ...}`, `{\"transactions\": [...]}`,   `{\"users\": [...]}`, `{\"token\": \"...\"}`. Every success status is `200`, except   `POST /user/create`, which answers `201 Created` (clients accept both). - Optional request fields may be left out or sent as an explicit JSON `null`;   both mean \"no value\". - Request bodies are closed (`additionalProperties: false`): an unknown field is   a `422 validation_error`, so a misspelt field never goes silently unnoticed.   Response objects are open: clients must ignore fields they do not know, so the   service can add fields without breaking them. - Every error is a non-2xx status with a JSON `ErrorResponse` body, including errors   raised before a request reaches the application. - Every answer carries an `X-Request-Id` header (the `RequestId` header   component) that names it in the service's logs, and   `X-Content-Type-Options: nosniff`. - A request body is JSON, sent with `Content-Type: application/json` (parameters   such as `charset` aside). A body of any other type, or of none, is   `415 unsupported_media_type`, before the credentials are checked: browsers send   other types to another origin without asking first. - Checking passwords takes time on purpose. When a login would wait long for it   (a flood of logins), the service answers `503 unavailable` at once, with   `Retry-After`; it shares that work fairly between clients and accounts, and   refuses a repeat of the same wrong credentials without checking them again.  ## Money Amounts and balances are US dollars, sent as JSON numbers. The service keeps them exactly, as integers of one micro-dollar (0.000001 USD): an amount with more than 6 decimal places, NaN or infinity is rejected with `422 validation_error`, never rounded. Balances never go below zero, and every movement of money happens at once or not at all.  ## Transactions and who may resolve them A transaction is created `PENDING`; money moves only when it is confirmed. - **Direct**: the payer (`senderEmail` = the caller) pays `recipientEmail`.   `createdBy` is `SENDER`. - **Delegated**: a service (`recipientEmail` = the caller) charges the payer   `senderEmail` with a transaction token the payer gave it. `createdBy` is   `RECIPIENT`.  Only the party that created a transaction may confirm or cancel it: the sender of a direct transaction, the recipient of a delegated one. The other party gets `403 forbidden`; anybody else gets `404 not_found`, so transaction ids reveal nothing to strangers. A transaction is resolved at most once: a second confirm or cancel gets `409 already_resolved`, also when two requests race.  ## Transaction tokens A token (`POST /token/create`) is a signed JWT whose payload is `{id, senderEmail, recipientEmail, iat, exp}`, valid for 24 hours. It lets only its named recipient charge only its named sender, and it is single-use: the first delegated transaction created with it spends it, and cancelling that transaction does not give it back. A reused token is `403 token_used`, an expired one `403 token_expired`, a forged one or one naming other parties `403 token_invalid`.  A payer may bound a token: `maxAmount` caps the amount of the one charge it pays (a charge above it is `403 token_limit_exceeded`, and nothing moves), and `expiresIn` shortens its life below 24 hours. Both are claims of the signed token (`maxAmount`, and `exp`). A token created without them is exactly the token described above.  ## Idempotency keys Every `POST` and `PUT` accepts an optional `Idempotency-Key` header (1 to 255 visible ASCII characters; a fresh UUID4 per logical request is a good key), so that a request whose answer was lost can be sent again without acting twice. - The first request with a key is processed. When it succeeds, its answer (status   and body) is recorded with the key, scoped to the caller (the authenticated   account, or the admin key; for `POST /user/create`, which has no caller, the key   and the request body), in the same database transaction as the change it   reports. A caller's records live 24 hours, those of requests without a caller 1   hour (the reference service's defaults). - An answer that changed nothing (any 4xx) is not recorded, and answers of 500 and   above are not either: the same request sent again is processed again. - A later request with the same key, caller, method, path and body gets the   recorded answer again, with `Idempotent-Replayed: true`, and changes nothing.   The caller is authenticated first, every time: a password changed or an admin   key rotated since then no longer gets the answer. The one exception is a   password change's own replay, which may come with the password that change   retired when its `newPassword` is the account's password now. - No secret is replayed to someone who does not hold it, and none is kept. A   password in a request body counts in what makes two requests the same but is   stored in no form: a replay proves it against the account's password (another   password is `422 idempotency_key_reused`) and gets back only the password it   sent. A password the service generated (`POST /user/create` without one) is   shown once, in the first answer, and never replayed: the same request again is   `409 account_exists`. - The same key with a different body or path is `422 idempotency_key_reused`. - While the first request with a key is still being processed, another with the   same key is `409 request_in_progress`: retry it shortly. - Records are bounded: past the service's limit for one caller (all requests   without a caller count as one), a keyed request that would need a new record is   `429 rate_limited`; past its limit in all, `503 unavailable`. Both carry   `Retry-After`: the seconds until the oldest record expires. The same request   without a key is still served. - Every answer to a request that carried a key echoes `Idempotency-Key`. That is   how a client learns that the service honours keys: only then may it resend a   request whose outcome it does not know. A malformed key is   `422 validation_error` (field `Idempotency-Key`) and is not echoed.  ## Holds, capture, expiry and refunds A `PENDING` transaction holds its amount: the sender's `availableBalance` is the balance minus what its pending transactions hold (`heldBalance`), and a transaction larger than the available balance is refused at creation with `409 insufficient_funds`. Confirming a held transaction therefore never fails for lack of funds. - **Capture up to the hold.** `POST /transaction/confirm` takes an optional   `amount`, at most the held amount: the transaction then records what was   captured as `amount`, keeps what was held as `authorizedAmount`, and the rest   is released in the same step. A larger amount is `409 capture_exceeds_hold`. - **Expiry.** Every pending transaction has an `expiresAt`: `holdFor` seconds after   its creation (default 3600, at most 86400), and never later than the `exp` of   the token that paid for it. At `expiresAt` the hold is released without anyone   calling: from then on it reads `CANCELLED`, `resolvedBy: SYSTEM`,   `cancelReason: expired`, and confirming or cancelling it is   `409 hold_expired`. - **Refunds.** The recipient of a `COMPLETED` transaction (or the admin) refunds   all or part of it with `POST /transaction/refund`. A refund is a new `COMPLETED`   transaction in the other direction, with `refundOf` naming the original, whose   `refundedAmount` grows; refunds of one transaction never exceed its `amount`   in total (`409 refund_exceeds_payment`).  ## Features What a service supports beyond the public protocol, it announces in the `Accounting-Features` header of every answer: a comma-separated list of `holds` (pending transactions hold their amount, expire, and take `holdFor`), `capture` (confirm with an `amount`) and `refunds` (`POST /transaction/refund`). A client reads it from any answer and never sends what the service has not announced. A service that sends no such header supports none of them (the public service, today). 

API version: 1.0.0
*/

// Code generated by OpenAPI Generator (https://openapi-generator.tech); DO NOT EDIT.

package syftboxaccounting

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log"
	"mime/multipart"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

)

var (
	JsonCheck       = regexp.MustCompile(`(?i:(?:application|text)/(?:[^;]+\+)?json)`)
	XmlCheck        = regexp.MustCompile(`(?i:(?:application|text)/(?:[^;]+\+)?xml)`)
	queryParamSplit = regexp.MustCompile(`(^|&)([^&]+)`)
	queryDescape    = strings.NewReplacer( "%5B", "[", "%5D", "]" )
)

// APIClient manages communication with the SyftBox Accounting Service API v1.0.0
// In most cases there should be only one, shared, APIClient.
type APIClient struct {
	cfg    *Configuration
	common service // Reuse a single struct instead of allocating one for each service on the heap.

	// API Services

	AdminAPI *AdminAPIService

	TokensAPI *TokensAPIService

	TransactionsAPI *TransactionsAPIService

	UsersAPI *UsersAPIService
}

type service struct {
	client *APIClient
}

// NewAPIClient creates a new API client. Requires a userAgent string describing your application.
// optionally a custom http.Client to allow for advanced features such as caching.
func NewAPIClient(cfg *Configuration) *APIClient {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}

	c := &APIClient{}
	c.cfg = cfg
	c.common.client = c

	// API Services
	c.AdminAPI = (*AdminAPIService)(&c.common)
	c.TokensAPI = (*TokensAPIService)(&c.common)
	c.TransactionsAPI = (*TransactionsAPIService)(&c.common)
	c.UsersAPI = (*UsersAPIService)(&c.common)

	return c
}

func atoi(in string) (int, error) {
	return strconv.Atoi(in)
}

// selectHeaderContentType select a content type from the available list.
func selectHeaderContentType(contentTypes []string) string {
	if len(contentTypes) == 0 {
		return ""
	}
	if contains(contentTypes, "application/json") {
		return "application/json"
	}
	return contentTypes[0] // use the first content type specified in 'consumes'
}

// selectHeaderAccept join all accept types and return
func selectHeaderAccept(accepts []string) string {
	if len(accepts) == 0 {
		return ""
	}

	if contains(accepts, "application/json") {
		return "application/json"
	}

	return strings.Join(accepts, ",")
}

// contains is a case insensitive match, finding needle in a haystack
func contains(haystack []string, needle string) bool {
	for _, a := range haystack {
		if strings.EqualFold(a, needle) {
			return true
		}
	}
	return false
}

// Verify optional parameters are of the correct type.
func typeCheckParameter(obj interface{}, expected string, name string) error {
	// Make sure there is an object.
	if obj == nil {
		return nil
	}

	// Check the type is as expected.
	if reflect.TypeOf(obj).String() != expected {
		return fmt.Errorf("expected %s to be of type %s but received %s", name, expected, reflect.TypeOf(obj).String())
	}
	return nil
}

func parameterValueToString( obj interface{}, key string ) string {
	if reflect.TypeOf(obj).Kind() != reflect.Ptr {
		if actualObj, ok := obj.(interface{ GetActualInstanceValue() interface{} }); ok {
			return fmt.Sprintf("%v", actualObj.GetActualInstanceValue())
		}

		return fmt.Sprintf("%v", obj)
	}
	var param,ok = obj.(MappedNullable)
	if !ok {
		return ""
	}
	dataMap,err := param.ToMap()
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%v", dataMap[key])
}

// parameterAddToHeaderOrQuery adds the provided object to the request header or url query
// supporting deep object syntax
func parameterAddToHeaderOrQuery(headerOrQueryParams interface{}, keyPrefix string, obj interface{}, style string, collectionType string) {
	var v = reflect.ValueOf(obj)
	var value = ""
	if v == reflect.ValueOf(nil) {
		value = "null"
	} else {
		switch v.Kind() {
			case reflect.Invalid:
				value = "invalid"

			case reflect.Struct:
				if t,ok := obj.(MappedNullable); ok {
					dataMap,err := t.ToMap()
					if err != nil {
						return
					}
					parameterAddToHeaderOrQuery(headerOrQueryParams, keyPrefix, dataMap, style, collectionType)
					return
				}
				if t, ok := obj.(time.Time); ok {
					parameterAddToHeaderOrQuery(headerOrQueryParams, keyPrefix, t.Format(time.RFC3339Nano), style, collectionType)
					return
				}
				value = v.Type().String() + " value"
			case reflect.Slice:
				var indValue = reflect.ValueOf(obj)
				if indValue == reflect.ValueOf(nil) {
					return
				}
				var lenIndValue = indValue.Len()
				for i:=0;i<lenIndValue;i++ {
					var arrayValue = indValue.Index(i)
					var keyPrefixForCollectionType = keyPrefix
					var styleForElement = style
					if style == "deepObject" {
						keyPrefixForCollectionType = keyPrefix + "[" + strconv.Itoa(i) + "]"
					} else if style == "form" {
						// only the parameter's own map is flattened; a map inside an array keeps its bracketed path
						styleForElement = ""
					}
					parameterAddToHeaderOrQuery(headerOrQueryParams, keyPrefixForCollectionType, arrayValue.Interface(), styleForElement, collectionType)
				}
				return

			case reflect.Map:
				var indValue = reflect.ValueOf(obj)
				if indValue == reflect.ValueOf(nil) {
					return
				}
				iter := indValue.MapRange()
				for iter.Next() {
					k,v := iter.Key(), iter.Value()
					var keyPrefixForMapEntry = fmt.Sprintf("%s[%s]", keyPrefix, k.String())
					var styleForMapEntry = style
					if style == "form" {
						// form style: one query parameter per entry, keyed by the property name; anything nested keeps its bracketed path
						keyPrefixForMapEntry = k.String()
						styleForMapEntry = ""
						// a nil entry, or a nil item of a list entry, is left out rather than sent as "null"
						entry, ok := parameterValueIndirect(v)
						if !ok {
							continue
						}
						if entry.Kind() == reflect.Slice {
							for i := 0; i < entry.Len(); i++ {
								if element, ok := parameterValueIndirect(entry.Index(i)); ok {
									parameterAddToHeaderOrQuery(headerOrQueryParams, keyPrefixForMapEntry, element.Interface(), styleForMapEntry, collectionType)
								}
							}
							continue
						}
					}
					parameterAddToHeaderOrQuery(headerOrQueryParams, keyPrefixForMapEntry, v.Interface(), styleForMapEntry, collectionType)
				}
				return

			case reflect.Interface:
				fallthrough
			case reflect.Ptr:
				if v.IsNil() {
					return
				}
				parameterAddToHeaderOrQuery(headerOrQueryParams, keyPrefix, v.Elem().Interface(), style, collectionType)
				return

			case reflect.Int, reflect.Int8, reflect.Int16,
				reflect.Int32, reflect.Int64:
				value = strconv.FormatInt(v.Int(), 10)
			case reflect.Uint, reflect.Uint8, reflect.Uint16,
				reflect.Uint32, reflect.Uint64, reflect.Uintptr:
				value = strconv.FormatUint(v.Uint(), 10)
			case reflect.Float32, reflect.Float64:
				value = strconv.FormatFloat(v.Float(), 'g', -1, 32)
			case reflect.Bool:
				value = strconv.FormatBool(v.Bool())
			case reflect.String:
				value = v.String()
			default:
				value = v.Type().String() + " value"
		}
	}

	switch valuesMap := headerOrQueryParams.(type) {
		case url.Values:
			if collectionType == "csv" && valuesMap.Get(keyPrefix) != "" {
				valuesMap.Set(keyPrefix, valuesMap.Get(keyPrefix) + "," + value)
			} else {
				valuesMap.Add(keyPrefix, value)
			}
			break
		case map[string]string:
			valuesMap[keyPrefix] = value
			break
	}
}

// parameterValueIndirect unwraps interfaces and pointers down to the value they hold,
// reporting false when that value is nil
func parameterValueIndirect(v reflect.Value) (reflect.Value, bool) {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Ptr {
		if v.IsNil() {
			return v, false
		}
		v = v.Elem()
	}
	return v, v.IsValid()
}

// helper for converting interface{} parameters to json strings
func parameterToJson(obj interface{}) (string, error) {
	jsonBuf, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	return string(jsonBuf), err
}

// callAPI do the request.
func (c *APIClient) callAPI(request *http.Request) (*http.Response, error) {
	if c.cfg.Debug {
		dump, err := httputil.DumpRequestOut(request, true)
		if err != nil {
			return nil, err
		}
		log.Printf("\n%s\n", string(dump))
	}

	resp, err := c.cfg.HTTPClient.Do(request)
	if err != nil {
		return resp, err
	}

	if c.cfg.Debug {
		dump, err := httputil.DumpResponse(resp, true)
		if err != nil {
			return resp, err
		}
		log.Printf("\n%s\n", string(dump))
	}
	return resp, err
}

// Allow modification of underlying config for alternate implementations and testing
// Caution: modifying the configuration while live can cause data races and potentially unwanted behavior
func (c *APIClient) GetConfig() *Configuration {
	return c.cfg
}

type formFile struct {
		fileBytes []byte
		fileName string
		formFileName string
}

// prepareRequest build the request
func (c *APIClient) prepareRequest(
	ctx context.Context,
	path string, method string,
	postBody interface{},
	headerParams map[string]string,
	queryParams url.Values,
	formParams url.Values,
	formFiles []formFile) (localVarRequest *http.Request, err error) {

	var body *bytes.Buffer

	// Detect postBody type and post.
	if postBody != nil {
		contentType := headerParams["Content-Type"]
		if contentType == "" {
			contentType = detectContentType(postBody)
			headerParams["Content-Type"] = contentType
		}

		body, err = setBody(postBody, contentType)
		if err != nil {
			return nil, err
		}
	}

	// add form parameters and file if available.
	if strings.HasPrefix(headerParams["Content-Type"], "multipart/form-data") && len(formParams) > 0 || (len(formFiles) > 0) {
		if body != nil {
			return nil, errors.New("Cannot specify postBody and multipart form at the same time.")
		}
		body = &bytes.Buffer{}
		w := multipart.NewWriter(body)

		for k, v := range formParams {
			for _, iv := range v {
				if strings.HasPrefix(k, "@") { // file
					err = addFile(w, k[1:], iv)
					if err != nil {
						return nil, err
					}
				} else { // form value
					w.WriteField(k, iv)
				}
			}
		}
		for _, formFile := range formFiles {
			if len(formFile.fileBytes) > 0 && formFile.fileName != "" {
				w.Boundary()
				part, err := w.CreateFormFile(formFile.formFileName, filepath.Base(formFile.fileName))
				if err != nil {
						return nil, err
				}
				_, err = part.Write(formFile.fileBytes)
				if err != nil {
						return nil, err
				}
			}
		}

		// Set the Boundary in the Content-Type
		headerParams["Content-Type"] = w.FormDataContentType()

		// Set Content-Length
		headerParams["Content-Length"] = fmt.Sprintf("%d", body.Len())
		w.Close()
	}

	if strings.HasPrefix(headerParams["Content-Type"], "application/x-www-form-urlencoded") && len(formParams) > 0 {
		if body != nil {
			return nil, errors.New("Cannot specify postBody and x-www-form-urlencoded form at the same time.")
		}
		body = &bytes.Buffer{}
		body.WriteString(formParams.Encode())
		// Set Content-Length
		headerParams["Content-Length"] = fmt.Sprintf("%d", body.Len())
	}

	// Setup path and query parameters
	url, err := url.Parse(path)
	if err != nil {
		return nil, err
	}

	// Override request host, if applicable
	if c.cfg.Host != "" {
		url.Host = c.cfg.Host
	}

	// Override request scheme, if applicable
	if c.cfg.Scheme != "" {
		url.Scheme = c.cfg.Scheme
	}

	// Adding Query Param
	query := url.Query()
	for k, v := range queryParams {
		for _, iv := range v {
			query.Add(k, iv)
		}
	}

	// Encode the parameters.
	url.RawQuery = queryParamSplit.ReplaceAllStringFunc(query.Encode(), func(s string) string {
		pieces := strings.Split(s, "=")
		pieces[0] = queryDescape.Replace(pieces[0])
		return strings.Join(pieces, "=")
	})

	// Generate a new request
	if body != nil {
		localVarRequest, err = http.NewRequest(method, url.String(), body)
	} else {
		localVarRequest, err = http.NewRequest(method, url.String(), nil)
	}
	if err != nil {
		return nil, err
	}

	// add header parameters, if any
	if len(headerParams) > 0 {
		headers := http.Header{}
		for h, v := range headerParams {
			headers[h] = []string{v}
		}
		localVarRequest.Header = headers
	}

	// Add the user agent to the request.
	localVarRequest.Header.Add("User-Agent", c.cfg.UserAgent)

	if ctx != nil {
		// add context to the request
		localVarRequest = localVarRequest.WithContext(ctx)

		// Walk through any authentication.

		// Basic HTTP Authentication
		if auth, ok := ctx.Value(ContextBasicAuth).(BasicAuth); ok {
			localVarRequest.SetBasicAuth(auth.UserName, auth.Password)
		}

		// AccessToken Authentication
		if auth, ok := ctx.Value(ContextAccessToken).(string); ok {
			localVarRequest.Header.Add("Authorization", "Bearer "+auth)
		}

	}

	for header, value := range c.cfg.DefaultHeader {
		localVarRequest.Header.Add(header, value)
	}
	return localVarRequest, nil
}

func (c *APIClient) decode(v interface{}, b []byte, contentType string) (err error) {
	if len(b) == 0 {
		return nil
	}
	if s, ok := v.(*string); ok {
		*s = string(b)
		return nil
	}
	if r, ok := v.(*io.Reader); ok {
		*r = bytes.NewReader(b)
		return nil
	}
	// Must stay before the JSON branch: json.Unmarshal would base64-decode into *[]byte.
	if p, ok := v.(*[]byte); ok {
		*p = b
		return nil
	}
	if f, ok := v.(*os.File); ok {
		f, err = os.CreateTemp("", "HttpClientFile")
		if err != nil {
			return
		}
		_, err = f.Write(b)
		if err != nil {
			return
		}
		_, err = f.Seek(0, io.SeekStart)
		return
	}
	if f, ok := v.(**os.File); ok {
		*f, err = os.CreateTemp("", "HttpClientFile")
		if err != nil {
			return
		}
		_, err = (*f).Write(b)
		if err != nil {
			return
		}
		_, err = (*f).Seek(0, io.SeekStart)
		return
	}
	if XmlCheck.MatchString(contentType) {
		if err = xml.Unmarshal(b, v); err != nil {
			return err
		}
		return nil
	}
	if JsonCheck.MatchString(contentType) {
		if actualObj, ok := v.(interface{ GetActualInstance() interface{} }); ok { // oneOf, anyOf schemas
			if unmarshalObj, ok := actualObj.(interface{ UnmarshalJSON([]byte) error }); ok { // make sure it has UnmarshalJSON defined
				if err = unmarshalObj.UnmarshalJSON(b); err != nil {
					return err
				}
			} else {
				return errors.New("Unknown type with GetActualInstance but no unmarshalObj.UnmarshalJSON defined")
			}
		} else if err = json.Unmarshal(b, v); err != nil { // simple model
			return err
		}
		return nil
	}
	return errors.New("undefined response type")
}

// Add a file to the multipart request
func addFile(w *multipart.Writer, fieldName, path string) error {
	file, err := os.Open(filepath.Clean(path))
	if err != nil {
		return err
	}
	defer file.Close()

	part, err := w.CreateFormFile(fieldName, filepath.Base(path))
	if err != nil {
		return err
	}
	_, err = io.Copy(part, file)

	return err
}

// Set request body from an interface{}
func setBody(body interface{}, contentType string) (bodyBuf *bytes.Buffer, err error) {
	if bodyBuf == nil {
		bodyBuf = &bytes.Buffer{}
	}

	if reader, ok := body.(io.Reader); ok {
		_, err = bodyBuf.ReadFrom(reader)
	} else if fp, ok := body.(*os.File); ok {
		_, err = bodyBuf.ReadFrom(fp)
	} else if b, ok := body.([]byte); ok {
		_, err = bodyBuf.Write(b)
	} else if s, ok := body.(string); ok {
		_, err = bodyBuf.WriteString(s)
	} else if s, ok := body.(*string); ok {
		_, err = bodyBuf.WriteString(*s)
	} else if JsonCheck.MatchString(contentType) {
		err = json.NewEncoder(bodyBuf).Encode(body)
	} else if XmlCheck.MatchString(contentType) {
		var bs []byte
		bs, err = xml.Marshal(body)
		if err == nil {
			bodyBuf.Write(bs)
		}
	}

	if err != nil {
		return nil, err
	}

	if bodyBuf.Len() == 0 {
		err = fmt.Errorf("invalid body type %s\n", contentType)
		return nil, err
	}
	return bodyBuf, nil
}

// detectContentType method is used to figure out `Request.Body` content type for request header
func detectContentType(body interface{}) string {
	contentType := "text/plain; charset=utf-8"
	kind := reflect.TypeOf(body).Kind()

	switch kind {
	case reflect.Struct, reflect.Map, reflect.Ptr:
		contentType = "application/json; charset=utf-8"
	case reflect.String:
		contentType = "text/plain; charset=utf-8"
	default:
		if b, ok := body.([]byte); ok {
			contentType = http.DetectContentType(b)
		} else if kind == reflect.Slice {
			contentType = "application/json; charset=utf-8"
		}
	}

	return contentType
}

// Ripped from https://github.com/gregjones/httpcache/blob/master/httpcache.go
type cacheControl map[string]string

func parseCacheControl(headers http.Header) cacheControl {
	cc := cacheControl{}
	ccHeader := headers.Get("Cache-Control")
	for _, part := range strings.Split(ccHeader, ",") {
		part = strings.Trim(part, " ")
		if part == "" {
			continue
		}
		if strings.ContainsRune(part, '=') {
			keyval := strings.Split(part, "=")
			cc[strings.Trim(keyval[0], " ")] = strings.Trim(keyval[1], ",")
		} else {
			cc[part] = ""
		}
	}
	return cc
}

// CacheExpires helper function to determine remaining time before repeating a request.
func CacheExpires(r *http.Response) time.Time {
	// Figure out when the cache expires.
	var expires time.Time
	now, err := time.Parse(time.RFC1123, r.Header.Get("date"))
	if err != nil {
		return time.Now()
	}
	respCacheControl := parseCacheControl(r.Header)

	if maxAge, ok := respCacheControl["max-age"]; ok {
		lifetime, err := time.ParseDuration(maxAge + "s")
		if err != nil {
			expires = now
		} else {
			expires = now.Add(lifetime)
		}
	} else {
		expiresHeader := r.Header.Get("Expires")
		if expiresHeader != "" {
			expires, err = time.Parse(time.RFC1123, expiresHeader)
			if err != nil {
				expires = now
			}
		}
	}
	return expires
}

func strlen(s string) int {
	return utf8.RuneCountInString(s)
}

// GenericOpenAPIError Provides access to the body, error and model on returned errors.
type GenericOpenAPIError struct {
	body  []byte
	error string
	model interface{}
}

// Error returns non-empty string if there was an error.
func (e GenericOpenAPIError) Error() string {
	return e.error
}

// Body returns the raw bytes of the response
func (e GenericOpenAPIError) Body() []byte {
	return e.body
}

// Model returns the unpacked model of the error
func (e GenericOpenAPIError) Model() interface{} {
	return e.model
}

// format error message using title and detail when model implements rfc7807
func formatErrorMessage(status string, v interface{}) string {
	str := ""
	metaValue := reflect.ValueOf(v).Elem()

	if metaValue.Kind() == reflect.Struct {
		field := metaValue.FieldByName("Title")
		if field != (reflect.Value{}) {
			str = fmt.Sprintf("%s", field.Interface())
		}

		field = metaValue.FieldByName("Detail")
		if field != (reflect.Value{}) {
			str = fmt.Sprintf("%s (%s)", str, field.Interface())
		}
	}

	return strings.TrimSpace(fmt.Sprintf("%s %s", status, str))
}
