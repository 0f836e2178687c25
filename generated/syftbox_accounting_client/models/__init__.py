"""Contains all the data models used in inputs/outputs"""

from .add_balance_request import AddBalanceRequest
from .api_key import ApiKey
from .api_key_list_response import ApiKeyListResponse
from .api_key_response import ApiKeyResponse
from .api_key_scope import ApiKeyScope
from .confirm_transaction_request import ConfirmTransactionRequest
from .create_api_key_request import CreateApiKeyRequest
from .create_api_key_response import CreateApiKeyResponse
from .create_token_request import CreateTokenRequest
from .create_transaction_request import CreateTransactionRequest
from .create_user_request import CreateUserRequest
from .create_user_response import CreateUserResponse
from .error_detail import ErrorDetail
from .error_response import ErrorResponse
from .refund_transaction_request import RefundTransactionRequest
from .revoke_api_key_request import RevokeApiKeyRequest
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
    "ApiKey",
    "ApiKeyListResponse",
    "ApiKeyResponse",
    "ApiKeyScope",
    "ConfirmTransactionRequest",
    "CreateApiKeyRequest",
    "CreateApiKeyResponse",
    "CreateTokenRequest",
    "CreateTransactionRequest",
    "CreateUserRequest",
    "CreateUserResponse",
    "ErrorDetail",
    "ErrorResponse",
    "RefundTransactionRequest",
    "RevokeApiKeyRequest",
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
