/*
SyftBox Accounting Service

The accounting service lets people and services on the SyftBox network pay and get paid for AI services. This document is the contract: it describes the wire protocol of the public SyftBox accounting service, and the reference service in `syftbox_accounting.server` implements exactly this.  ## Conventions - Field names are camelCase. Every successful response wraps its object:   `{\"user\": ...}`, `{\"transaction\": ...}`, `{\"transactions\": [...]}`,   `{\"users\": [...]}`, `{\"token\": \"...\"}`. Every success status is `200`, except   `POST /user/create`, which answers `201 Created` (clients accept both). - Optional request fields may be left out or sent as an explicit JSON `null`;   both mean \"no value\". - Request bodies are closed (`additionalProperties: false`): an unknown field is   a `422 validation_error`, so a misspelt field never goes silently unnoticed.   Response objects are open: clients must ignore fields they do not know, so the   service can add fields without breaking them. - Every error is a non-2xx status with a JSON `ErrorResponse` body, including errors   raised before a request reaches the application. - Every answer carries an `X-Request-Id` header (the `RequestId` header   component) that names it in the service's logs, and   `X-Content-Type-Options: nosniff`. - A request body is JSON, sent with `Content-Type: application/json` (parameters   such as `charset` aside). A body of any other type, or of none, is   `415 unsupported_media_type`, before the credentials are checked: browsers send   other types to another origin without asking first. - Checking passwords takes time on purpose. When a login would wait long for it   (a flood of logins), the service answers `503 unavailable` at once, with   `Retry-After`; it shares that work fairly between clients and accounts, and   refuses a repeat of the same wrong credentials without checking them again.  ## Money Amounts and balances are US dollars, sent as JSON numbers. The service keeps them exactly, as integers of one micro-dollar (0.000001 USD): an amount with more than 6 decimal places, NaN or infinity is rejected with `422 validation_error`, never rounded. Balances never go below zero, and every movement of money happens at once or not at all.  ## Transactions and who may resolve them A transaction is created `PENDING`; money moves only when it is confirmed. - **Direct**: the payer (`senderEmail` = the caller) pays `recipientEmail`.   `createdBy` is `SENDER`. - **Delegated**: a service (`recipientEmail` = the caller) charges the payer   `senderEmail` with a transaction token the payer gave it. `createdBy` is   `RECIPIENT`.  Only the party that created a transaction may confirm or cancel it: the sender of a direct transaction, the recipient of a delegated one. The other party gets `403 forbidden`; anybody else gets `404 not_found`, so transaction ids reveal nothing to strangers. A transaction is resolved at most once: a second confirm or cancel gets `409 already_resolved`, also when two requests race.  ## Transaction tokens A token (`POST /token/create`) is a signed JWT whose payload is `{id, senderEmail, recipientEmail, iat, exp}`, valid for 24 hours. It lets only its named recipient charge only its named sender, and it is single-use: the first delegated transaction created with it spends it, and cancelling that transaction does not give it back. A reused token is `403 token_used`, an expired one `403 token_expired`, a forged one or one naming other parties `403 token_invalid`.  A payer may bound a token: `maxAmount` caps the amount of the one charge it pays (a charge above it is `403 token_limit_exceeded`, and nothing moves), and `expiresIn` shortens its life below 24 hours. Both are claims of the signed token (`maxAmount`, and `exp`). A token created without them is exactly the token described above.  ## Idempotency keys Every `POST` and `PUT` accepts an optional `Idempotency-Key` header (1 to 255 visible ASCII characters; a fresh UUID4 per logical request is a good key), so that a request whose answer was lost can be sent again without acting twice. - The first request with a key is processed. When it succeeds, its answer (status   and body) is recorded with the key, scoped to the caller (the authenticated   account, or the admin key; for `POST /user/create`, which has no caller, the key   and the request body), in the same database transaction as the change it   reports. A caller's records live 24 hours, those of requests without a caller 1   hour (the reference service's defaults). - An answer that changed nothing (any 4xx) is not recorded, and answers of 500 and   above are not either: the same request sent again is processed again. - A later request with the same key, caller, method, path and body gets the   recorded answer again, with `Idempotent-Replayed: true`, and changes nothing.   The caller is authenticated first, every time: a password changed or an admin   key rotated since then no longer gets the answer. The one exception is a   password change's own replay, which may come with the password that change   retired when its `newPassword` is the account's password now. - No secret is replayed to someone who does not hold it, and none is kept. A   password in a request body counts in what makes two requests the same but is   stored in no form: a replay proves it against the account's password (another   password is `422 idempotency_key_reused`) and gets back only the password it   sent. A password the service generated (`POST /user/create` without one) is   shown once, in the first answer, and never replayed: the same request again is   `409 account_exists`. - The same key with a different body or path is `422 idempotency_key_reused`. - While the first request with a key is still being processed, another with the   same key is `409 request_in_progress`: retry it shortly. - Records are bounded: past the service's limit for one caller (all requests   without a caller count as one), a keyed request that would need a new record is   `429 rate_limited`; past its limit in all, `503 unavailable`. Both carry   `Retry-After`: the seconds until the oldest record expires. The same request   without a key is still served. - Every answer to a request that carried a key echoes `Idempotency-Key`. That is   how a client learns that the service honours keys: only then may it resend a   request whose outcome it does not know. A malformed key is   `422 validation_error` (field `Idempotency-Key`) and is not echoed.  ## Holds, capture, expiry and refunds A `PENDING` transaction holds its amount: the sender's `availableBalance` is the balance minus what its pending transactions hold (`heldBalance`), and a transaction larger than the available balance is refused at creation with `409 insufficient_funds`. Confirming a held transaction therefore never fails for lack of funds. - **Capture up to the hold.** `POST /transaction/confirm` takes an optional   `amount`, at most the held amount: the transaction then records what was   captured as `amount`, keeps what was held as `authorizedAmount`, and the rest   is released in the same step. A larger amount is `409 capture_exceeds_hold`. - **Expiry.** Every pending transaction has an `expiresAt`: `holdFor` seconds after   its creation (default 3600, at most 86400), and never later than the `exp` of   the token that paid for it. At `expiresAt` the hold is released without anyone   calling: from then on it reads `CANCELLED`, `resolvedBy: SYSTEM`,   `cancelReason: expired`, and confirming or cancelling it is   `409 hold_expired`. - **Refunds.** The recipient of a `COMPLETED` transaction (or the admin) refunds   all or part of it with `POST /transaction/refund`. A refund is a new `COMPLETED`   transaction in the other direction, with `refundOf` naming the original, whose   `refundedAmount` grows; refunds of one transaction never exceed its `amount`   in total (`409 refund_exceeds_payment`).  ## Features What a service supports beyond the public protocol, it announces in the `Accounting-Features` header of every answer: a comma-separated list of `holds` (pending transactions hold their amount, expire, and take `holdFor`), `capture` (confirm with an `amount`) and `refunds` (`POST /transaction/refund`). A client reads it from any answer and never sends what the service has not announced. A service that sends no such header supports none of them (the public service, today). 

API version: 1.0.0
*/

// Code generated by OpenAPI Generator (https://openapi-generator.tech); DO NOT EDIT.

package syftboxaccounting

import (
	"encoding/json"
	"bytes"
	"fmt"
)

// checks if the CreateTokenRequest type satisfies the MappedNullable interface at compile time
var _ MappedNullable = &CreateTokenRequest{}

// CreateTokenRequest Who the token lets charge the caller, and optionally how much and for how long.
type CreateTokenRequest struct {
	// An email address; it identifies an account.
	RecipientEmail string `json:"recipientEmail"`
	// The most the charge paid with this token may be, in US dollars; absent or null for no limit but the payer's balance. 
	MaxAmount NullableFloat64 `json:"maxAmount,omitempty"`
	// Seconds the token stays valid, at most the default 24 hours; absent or null for 24 hours.
	ExpiresIn NullableInt32 `json:"expiresIn,omitempty"`
}

type _CreateTokenRequest CreateTokenRequest

// NewCreateTokenRequest instantiates a new CreateTokenRequest object
// This constructor will assign default values to properties that have it defined,
// and makes sure properties required by API are set, but the set of arguments
// will change when the set of required properties is changed
func NewCreateTokenRequest(recipientEmail string) *CreateTokenRequest {
	this := CreateTokenRequest{}
	this.RecipientEmail = recipientEmail
	return &this
}

// NewCreateTokenRequestWithDefaults instantiates a new CreateTokenRequest object
// This constructor will only assign default values to properties that have it defined,
// but it doesn't guarantee that properties required by API are set
func NewCreateTokenRequestWithDefaults() *CreateTokenRequest {
	this := CreateTokenRequest{}
	return &this
}

// GetRecipientEmail returns the RecipientEmail field value
func (o *CreateTokenRequest) GetRecipientEmail() string {
	if o == nil {
		var ret string
		return ret
	}

	return o.RecipientEmail
}

// GetRecipientEmailOk returns a tuple with the RecipientEmail field value
// and a boolean to check if the value has been set.
func (o *CreateTokenRequest) GetRecipientEmailOk() (*string, bool) {
	if o == nil {
		return nil, false
	}
	return &o.RecipientEmail, true
}

// SetRecipientEmail sets field value
func (o *CreateTokenRequest) SetRecipientEmail(v string) {
	o.RecipientEmail = v
}

// GetMaxAmount returns the MaxAmount field value if set, zero value otherwise (both if not set or set to explicit null).
func (o *CreateTokenRequest) GetMaxAmount() float64 {
	if o == nil || IsNil(o.MaxAmount.Get()) {
		var ret float64
		return ret
	}
	return *o.MaxAmount.Get()
}

// GetMaxAmountOk returns a tuple with the MaxAmount field value if set, nil otherwise
// and a boolean to check if the value has been set.
// NOTE: If the value is an explicit nil, `nil, true` will be returned
func (o *CreateTokenRequest) GetMaxAmountOk() (*float64, bool) {
	if o == nil {
		return nil, false
	}
	return o.MaxAmount.Get(), o.MaxAmount.IsSet()
}

// HasMaxAmount returns a boolean if a field has been set.
func (o *CreateTokenRequest) HasMaxAmount() bool {
	if o != nil && o.MaxAmount.IsSet() {
		return true
	}

	return false
}

// SetMaxAmount gets a reference to the given NullableFloat64 and assigns it to the MaxAmount field.
func (o *CreateTokenRequest) SetMaxAmount(v float64) {
	o.MaxAmount.Set(&v)
}
// SetMaxAmountNil sets the value for MaxAmount to be an explicit nil
func (o *CreateTokenRequest) SetMaxAmountNil() {
	o.MaxAmount.Set(nil)
}

// UnsetMaxAmount ensures that no value is present for MaxAmount, not even an explicit nil
func (o *CreateTokenRequest) UnsetMaxAmount() {
	o.MaxAmount.Unset()
}

// GetExpiresIn returns the ExpiresIn field value if set, zero value otherwise (both if not set or set to explicit null).
func (o *CreateTokenRequest) GetExpiresIn() int32 {
	if o == nil || IsNil(o.ExpiresIn.Get()) {
		var ret int32
		return ret
	}
	return *o.ExpiresIn.Get()
}

// GetExpiresInOk returns a tuple with the ExpiresIn field value if set, nil otherwise
// and a boolean to check if the value has been set.
// NOTE: If the value is an explicit nil, `nil, true` will be returned
func (o *CreateTokenRequest) GetExpiresInOk() (*int32, bool) {
	if o == nil {
		return nil, false
	}
	return o.ExpiresIn.Get(), o.ExpiresIn.IsSet()
}

// HasExpiresIn returns a boolean if a field has been set.
func (o *CreateTokenRequest) HasExpiresIn() bool {
	if o != nil && o.ExpiresIn.IsSet() {
		return true
	}

	return false
}

// SetExpiresIn gets a reference to the given NullableInt32 and assigns it to the ExpiresIn field.
func (o *CreateTokenRequest) SetExpiresIn(v int32) {
	o.ExpiresIn.Set(&v)
}
// SetExpiresInNil sets the value for ExpiresIn to be an explicit nil
func (o *CreateTokenRequest) SetExpiresInNil() {
	o.ExpiresIn.Set(nil)
}

// UnsetExpiresIn ensures that no value is present for ExpiresIn, not even an explicit nil
func (o *CreateTokenRequest) UnsetExpiresIn() {
	o.ExpiresIn.Unset()
}

func (o CreateTokenRequest) MarshalJSON() ([]byte, error) {
	toSerialize,err := o.ToMap()
	if err != nil {
		return []byte{}, err
	}
	return json.Marshal(toSerialize)
}

func (o CreateTokenRequest) ToMap() (map[string]interface{}, error) {
	toSerialize := map[string]interface{}{}
	toSerialize["recipientEmail"] = o.RecipientEmail
	if o.MaxAmount.IsSet() {
		toSerialize["maxAmount"] = o.MaxAmount.Get()
	}
	if o.ExpiresIn.IsSet() {
		toSerialize["expiresIn"] = o.ExpiresIn.Get()
	}
	return toSerialize, nil
}

func (o *CreateTokenRequest) UnmarshalJSON(data []byte) (err error) {
	// This validates that all required properties are included in the JSON object
	// by unmarshalling the object into a generic map with string keys and checking
	// that every required field exists as a key in the generic map.
	requiredProperties := []string{
		"recipientEmail",
	}

	allProperties := make(map[string]interface{})

	err = json.Unmarshal(data, &allProperties)

	if err != nil {
		return err;
	}

	for _, requiredProperty := range(requiredProperties) {
		if _, exists := allProperties[requiredProperty]; !exists {
			return fmt.Errorf("no value given for required property %v", requiredProperty)
		}
	}

	varCreateTokenRequest := _CreateTokenRequest{}

	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	err = decoder.Decode(&varCreateTokenRequest)

	if err != nil {
		return err
	}

	*o = CreateTokenRequest(varCreateTokenRequest)

	return err
}

type NullableCreateTokenRequest struct {
	value *CreateTokenRequest
	isSet bool
}

func (v NullableCreateTokenRequest) Get() *CreateTokenRequest {
	return v.value
}

func (v *NullableCreateTokenRequest) Set(val *CreateTokenRequest) {
	v.value = val
	v.isSet = true
}

func (v NullableCreateTokenRequest) IsSet() bool {
	return v.isSet
}

func (v *NullableCreateTokenRequest) Unset() {
	v.value = nil
	v.isSet = false
}

func NewNullableCreateTokenRequest(val *CreateTokenRequest) *NullableCreateTokenRequest {
	return &NullableCreateTokenRequest{value: val, isSet: true}
}

func (v NullableCreateTokenRequest) MarshalJSON() ([]byte, error) {
	return json.Marshal(v.value)
}

func (v *NullableCreateTokenRequest) UnmarshalJSON(src []byte) error {
	v.isSet = true
	return json.Unmarshal(src, &v.value)
}


