from typing import Literal

ApiKeyScope = Literal["account", "charge", "keys", "pay", "read"]

API_KEY_SCOPE_VALUES: set[ApiKeyScope] = {
    "account",
    "charge",
    "keys",
    "pay",
    "read",
}


def check_api_key_scope(value: str) -> ApiKeyScope:
    if value in API_KEY_SCOPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {API_KEY_SCOPE_VALUES!r}"
    )
