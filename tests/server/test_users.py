"""createUser, getMyInfo, updatePassword, updateOrganization over real sockets."""

from __future__ import annotations

import base64

import pytest

from syftbox_accounting.server.passwords import TEST_ONLY_SCRYPT_N, hash_password
from tests.server.conftest import Api
from tests.server.contract import assert_conforms, assert_error


def basic(email: str, password: str, encoding: str) -> dict[str, str]:
    token = base64.b64encode(f"{email}:{password}".encode(encoding)).decode("ascii")
    return {"Authorization": f"Basic {token}"}


def test_create_user_with_password_and_organization(api: Api) -> None:
    response = api.http.post(
        "/user/create",
        json={"email": "alice@example.com", "password": "correct-horse", "organization": "OM"},
    )
    body = assert_conforms(response, "createUser")
    assert response.status_code == 201
    assert body["password"] == "correct-horse"
    user = body["user"]
    assert (user["email"], user["balance"], user["organization"]) == (
        "alice@example.com",
        100,
        "OM",
    )
    assert '"balance":100,' in response.text  # an integer, as the initial credit is whole


def test_create_user_generates_a_password_when_null(api: Api) -> None:
    # The public client sends every optional field, as an explicit null.
    response = api.http.post(
        "/user/create",
        json={"email": "svc@example.com", "password": None, "organization": None},
    )
    body = assert_conforms(response, "createUser")
    password = body["password"]
    assert len(password) >= 32
    assert body["user"]["organization"] is None
    me = api.http.get("/user/my-info", auth=("svc@example.com", password))
    assert assert_conforms(me, "getMyInfo")["user"] == body["user"]


def test_create_user_generates_a_password_when_absent(api: Api) -> None:
    first = api.http.post("/user/create", json={"email": "a@example.com"}).json()["password"]
    second = api.http.post("/user/create", json={"email": "b@example.com"}).json()["password"]
    assert first != second


@pytest.mark.parametrize(
    "authorization", ["Bearer not-the-admin-key", "Basic bm9ib2R5Ondyb25n", "garbage"]
)
def test_create_user_ignores_an_authorization_header(api: Api, authorization: str) -> None:
    # The public admin client registers users with its Bearer header on.
    response = api.http.post(
        "/user/create",
        json={"email": "org-user@example.com", "organization": "OpenMined"},
        headers={"Authorization": authorization},
    )
    assert assert_conforms(response, "createUser")["user"]["organization"] == "OpenMined"


def test_create_user_twice_is_account_exists(api: Api) -> None:
    api.register("alice@example.com")
    for email in ("alice@example.com", "Alice@Example.COM"):
        response = api.http.post("/user/create", json={"email": email, "password": "whatever1"})
        body = assert_error(response, "createUser", 409, "account_exists")
        assert email in body["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": "a b@example.com"}, "email"),
        ({"email": "x" * 250 + "@example.com"}, "email"),
        ({"email": 42}, "email"),
        ({"email": None}, "email"),
        ({}, "email"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": "x" * 257}, "password"),
        ({"email": "a@example.com", "password": 12345678}, "password"),
        ({"email": "a@example.com", "organization": "x" * 129}, "organization"),
        ({"email": "a@example.com", "organization": ["OM"]}, "organization"),
        ({"email": "a@example.com", "admin": True}, "admin"),
    ],
)
def test_create_user_rejects_invalid_fields(api: Api, body: object, field: str) -> None:
    response = api.http.post("/user/create", json=body)
    error = assert_error(response, "createUser", 422, "validation_error")
    assert field in [detail["field"] for detail in error["details"]]
    assert field in error["message"]


def test_validation_reports_every_field_at_fault(api: Api) -> None:
    response = api.http.post(
        "/user/create", json={"email": "nope", "password": "short", "extra": 1}
    )
    error = assert_error(response, "createUser", 422, "validation_error")
    assert sorted(d["field"] for d in error["details"]) == ["email", "extra", "password"]


@pytest.mark.parametrize(
    "content", [b"", b"{", b"[]", b'"alice@example.com"', b"null", b"\xff\xfe\x00", b"{} {}"]
)
def test_create_user_rejects_a_body_that_is_not_a_json_object(api: Api, content: bytes) -> None:
    response = api.http.post(
        "/user/create", content=content, headers={"Content-Type": "application/json"}
    )
    assert_error(response, "createUser", 400, "bad_request")


def test_create_user_rejects_a_field_sent_twice(api: Api) -> None:
    content = b'{"email": "a@example.com", "email": "b@example.com"}'
    response = api.http.post("/user/create", content=content)
    error = assert_error(response, "createUser", 422, "validation_error")
    assert error["details"] == [
        {"field": "email", "problem": "appears more than once: send it once"}
    ]


def test_create_user_rejects_a_deeply_nested_body(api: Api) -> None:
    response = api.http.post("/user/create", content=b"[" * 60_000)
    assert_error(response, "createUser", 400, "bad_request")


def test_create_user_rejects_a_huge_body(api: Api) -> None:
    content = b'{"email": "a@example.com", "organization": "' + b"x" * 100_000 + b'"}'
    response = api.http.post("/user/create", content=content)
    assert_error(response, "createUser", 400, "bad_request")


def test_my_info(api: Api) -> None:
    user = api.register()
    response = api.http.get("/user/my-info", auth=user.auth)
    body = assert_conforms(response, "getMyInfo")
    assert body["user"]["email"] == user.email
    assert body["user"]["balance"] == 100


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic"},
        {"Authorization": "Basic !!!not-base64!!!"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        {"Authorization": "Bearer some-token"},
        {"Authorization": "Digest username=x"},
    ],
)
def test_my_info_without_valid_basic_credentials(api: Api, headers: dict[str, str]) -> None:
    api.register()
    response = api.http.get("/user/my-info", headers=headers)
    assert_error(response, "getMyInfo", 401, "invalid_credentials")
    # The service takes API keys too: it offers both schemes.
    assert response.headers["www-authenticate"] == (
        'Basic realm="syftbox-accounting", Bearer realm="syftbox-accounting"'
    )


@pytest.mark.parametrize("first_is_valid", [True, False])
def test_two_authorization_headers_are_refused_whichever_comes_first(
    api: Api, first_is_valid: bool
) -> None:
    # Two credentials in one request are ambiguous (a proxy may read the other one):
    # HTTP reads repeated fields as one list, which no scheme parses, so neither counts.
    user = api.register()
    other = api.register()
    valid = basic(user.email, user.password, "utf-8")["Authorization"]
    wrong = basic(other.email, "wrong-password", "utf-8")["Authorization"]
    pair = [valid, wrong] if first_is_valid else [wrong, valid]
    headers = [("Authorization", value) for value in pair]
    read = api.http.get("/user/my-info", headers=headers)
    assert_error(read, "getMyInfo", 401, "invalid_credentials")
    same = [("Authorization", valid), ("Authorization", valid)]
    write = api.http.put(
        "/user/update-organization", json={"organization": "Changed"}, headers=same
    )
    assert_error(write, "updateOrganization", 401, "invalid_credentials")
    assert api.me(user)["organization"] is None


def test_wrong_password_and_unknown_email_get_the_same_answer(api: Api) -> None:
    user = api.register()
    wrong = api.http.get("/user/my-info", auth=(user.email, "wrong-password"))
    unknown = api.http.get("/user/my-info", auth=("nobody@example.com", user.password))
    assert_error(wrong, "getMyInfo", 401, "invalid_credentials")
    assert wrong.json() == unknown.json()


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8"])
def test_basic_credentials_in_latin1_or_utf8(api: Api, encoding: str) -> None:
    # `requests` (the public client) encodes Basic credentials as latin-1.
    user = api.register("jose@example.com", "contraseña-señor")
    response = api.http.get("/user/my-info", headers=basic(user.email, user.password, encoding))
    assert assert_conforms(response, "getMyInfo")["user"]["email"] == user.email


# Outside printable Latin-1: other scripts, emoji, C0 and C1 controls, DEL, and a space
# that is not U+0020 or U+00A0.
BEYOND_LATIN1 = [
    "密码-password",
    "password-🔑",
    "pass\tword-1",
    "pass\x7fword",
    "pass\x85word",
    "pass\u2003word",
]


@pytest.mark.parametrize("password", BEYOND_LATIN1)
def test_a_new_password_beyond_printable_latin1_is_refused(api: Api, password: str) -> None:
    # Most generated clients could not send it (urllib3 and btoa take Latin-1 only).
    response = api.http.post("/user/create", json={"email": "ai@example.com", "password": password})
    body = assert_error(response, "createUser", 422, "validation_error")
    assert body["details"][0]["field"] == "password"
    assert "printable Latin-1" in body["message"]
    assert "U+00A0 to U+00FF" in body["message"]
    assert password not in response.text
    user = api.register(password="old-password")
    changed = api.http.put(
        "/user/update-password",
        json={"oldPassword": "old-password", "newPassword": password},
        auth=user.auth,
    )
    assert assert_error(changed, "updatePassword", 422, "validation_error")["details"] == [
        {"field": "newPassword", "problem": body["details"][0]["problem"]}
    ]
    assert api.http.get("/user/my-info", auth=user.auth).status_code == 200


def test_every_printable_latin1_character_makes_a_password(api: Api) -> None:
    printable = "".join(map(chr, [*range(0x20, 0x7F), *range(0xA0, 0x100)]))
    for start in range(0, len(printable), 200):
        user = api.register(password=printable[start : start + 200].ljust(8, "x"))
        for encoding in ("latin-1", "utf-8"):
            headers = basic(user.email, user.password, encoding)
            assert api.http.get("/user/my-info", headers=headers).status_code == 200


def test_an_account_whose_password_predates_the_rule_keeps_working(api: Api) -> None:
    # Made before new passwords had to be Latin-1: it logs in and changes it as before.
    store, old = api.service.service.store, "密码-password-🔑"
    store.create_account("ai@example.com", hash_password(old, TEST_ONLY_SCRYPT_N), None, 0)
    response = api.http.get("/user/my-info", headers=basic("ai@example.com", old, "utf-8"))
    assert assert_conforms(response, "getMyInfo")["user"]["email"] == "ai@example.com"
    changed = api.http.put(
        "/user/update-password",
        json={"oldPassword": old, "newPassword": "now-latin-1-é"},
        headers=basic("ai@example.com", old, "utf-8"),
    )
    assert_conforms(changed, "updatePassword")
    assert (
        api.http.get("/user/my-info", auth=("ai@example.com", "now-latin-1-é")).status_code == 200
    )


def test_password_with_a_colon(api: Api) -> None:
    user = api.register("colon@example.com", "pass:word:with:colons")
    assert api.http.get("/user/my-info", auth=user.auth).status_code == 200


def test_update_password(api: Api) -> None:
    user = api.register(password="old-password")
    response = api.http.put(
        "/user/update-password",
        json={"oldPassword": "old-password", "newPassword": "new-password"},
        auth=user.auth,
    )
    assert assert_conforms(response, "updatePassword")["user"]["email"] == user.email
    old = api.http.get("/user/my-info", auth=user.auth)
    assert_error(old, "getMyInfo", 401, "invalid_credentials")
    new = api.http.get("/user/my-info", auth=(user.email, "new-password"))
    assert new.status_code == 200


def test_update_password_needs_the_current_password(api: Api) -> None:
    user = api.register(password="old-password")
    response = api.http.put(
        "/user/update-password",
        json={"oldPassword": "not-the-password", "newPassword": "new-password"},
        auth=user.auth,
    )
    assert_error(response, "updatePassword", 403, "forbidden")
    assert api.http.get("/user/my-info", auth=user.auth).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"oldPassword": "old-password", "newPassword": "short"},
        {"oldPassword": "old-password"},
        {"oldPassword": "", "newPassword": "new-password"},
        {"oldPassword": "old-password", "newPassword": None},
        {"oldPassword": "old-password", "newPassword": "new-password", "x": 1},
    ],
)
def test_update_password_validation(api: Api, body: dict[str, object]) -> None:
    user = api.register(password="old-password")
    response = api.http.put("/user/update-password", json=body, auth=user.auth)
    assert_error(response, "updatePassword", 422, "validation_error")


def test_update_password_errors(api: Api) -> None:
    user = api.register(password="old-password")
    body = {"oldPassword": "old-password", "newPassword": "new-password"}
    no_auth = api.http.put("/user/update-password", json=body)
    assert_error(no_auth, "updatePassword", 401, "invalid_credentials")
    bad_json = api.http.put("/user/update-password", content=b"{", auth=user.auth)
    assert_error(bad_json, "updatePassword", 400, "bad_request")


def test_update_organization_sets_and_clears(api: Api) -> None:
    user = api.register()
    response = api.http.put(
        "/user/update-organization", json={"organization": "OpenMined"}, auth=user.auth
    )
    assert assert_conforms(response, "updateOrganization")["user"]["organization"] == "OpenMined"
    response = api.http.put(
        "/user/update-organization", json={"organization": None}, auth=user.auth
    )
    assert assert_conforms(response, "updateOrganization")["user"]["organization"] is None
    me = api.http.get("/user/my-info", auth=user.auth).json()["user"]
    assert me["organization"] is None


@pytest.mark.parametrize(
    "body", [{}, {"organization": 1}, {"organization": "x" * 129}, {"org": "OpenMined"}]
)
def test_update_organization_validation(api: Api, body: dict[str, object]) -> None:
    user = api.register()
    response = api.http.put("/user/update-organization", json=body, auth=user.auth)
    assert_error(response, "updateOrganization", 422, "validation_error")


def test_update_organization_errors(api: Api) -> None:
    user = api.register()
    no_auth = api.http.put("/user/update-organization", json={"organization": None})
    assert_error(no_auth, "updateOrganization", 401, "invalid_credentials")
    bad_json = api.http.put("/user/update-organization", content=b"nope", auth=user.auth)
    assert_error(bad_json, "updateOrganization", 400, "bad_request")
