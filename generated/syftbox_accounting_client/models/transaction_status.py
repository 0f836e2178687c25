from typing import Literal

TransactionStatus = Literal["CANCELLED", "COMPLETED", "PENDING"]

TRANSACTION_STATUS_VALUES: set[TransactionStatus] = {
    "CANCELLED",
    "COMPLETED",
    "PENDING",
}


def check_transaction_status(value: str) -> TransactionStatus:
    if value in TRANSACTION_STATUS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {TRANSACTION_STATUS_VALUES!r}"
    )
