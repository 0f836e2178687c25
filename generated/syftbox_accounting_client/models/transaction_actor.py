from typing import Literal

TransactionActor = Literal["RECIPIENT", "SENDER", "SYSTEM"]

TRANSACTION_ACTOR_VALUES: set[TransactionActor] = {
    "RECIPIENT",
    "SENDER",
    "SYSTEM",
}


def check_transaction_actor(value: str) -> TransactionActor:
    if value in TRANSACTION_ACTOR_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {TRANSACTION_ACTOR_VALUES!r}"
    )
