"""Contains all the data models used in inputs/outputs"""

from .add_balance_request import AddBalanceRequest
from .confirm_transaction_request import ConfirmTransactionRequest
from .create_token_request import CreateTokenRequest
from .create_transaction_request import CreateTransactionRequest
from .create_user_request import CreateUserRequest
from .create_user_response import CreateUserResponse
from .error_detail import ErrorDetail
from .error_response import ErrorResponse
from .refund_transaction_request import RefundTransactionRequest
from .token_response import TokenResponse
from .transaction import Transaction
from .transaction_id_request import TransactionIdRequest
from .transaction_list_response import TransactionListResponse
from .transaction_response import TransactionResponse
from .transaction_status import TransactionStatus
from .update_organization_request import UpdateOrganizationRequest
from .update_password_request import UpdatePasswordRequest
from .usage import Usage
from .usage_response import UsageResponse
from .user import User
from .user_list_response import UserListResponse
from .user_response import UserResponse

__all__ = (
    "AddBalanceRequest",
    "ConfirmTransactionRequest",
    "CreateTokenRequest",
    "CreateTransactionRequest",
    "CreateUserRequest",
    "CreateUserResponse",
    "ErrorDetail",
    "ErrorResponse",
    "RefundTransactionRequest",
    "TokenResponse",
    "Transaction",
    "TransactionIdRequest",
    "TransactionListResponse",
    "TransactionResponse",
    "TransactionStatus",
    "UpdateOrganizationRequest",
    "UpdatePasswordRequest",
    "Usage",
    "UsageResponse",
    "User",
    "UserListResponse",
    "UserResponse",
)
