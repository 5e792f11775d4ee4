"""The shared options: argument spec with env fallbacks, validate_common, build_client."""

import pytest

from ansible_collections.aep.platform.plugins.module_utils._arguments import (
    CREDENTIALS_MISSING,
    DEFAULT_IMS_URL,
    DEFAULT_PLATFORM_URL,
    DEFAULT_SCOPES,
    aep_argument_spec,
    validate_common,
)
from ansible_collections.aep.platform.plugins.module_utils._client import HttpTransport
from ansible_collections.aep.platform.plugins.module_utils._errors import AepValidationError
from ansible_collections.aep.platform.plugins.module_utils._runner import build_client

ENV_VARS = {
    "access_token": "AEP_ACCESS_TOKEN",
    "client_id": "AEP_CLIENT_ID",
    "client_secret": "AEP_CLIENT_SECRET",
    "api_key": "AEP_API_KEY",
    "org_id": "AEP_ORG_ID",
    "sandbox": "AEP_SANDBOX_NAME",
    "scopes": "AEP_SCOPES",
    "platform_url": "AEP_PLATFORM_URL",
    "ims_url": "AEP_IMS_URL",
    "validate_certs": "AEP_VALIDATE_CERTS",
    "ca_path": "AEP_CA_PATH",
    "timeout": "AEP_TIMEOUT",
    "retries": "AEP_RETRIES",
}


def params(**overrides):
    """Shared options as AnsibleModule hands them over (defaults filled in), with client credentials."""
    result = {option: spec.get("default") for option, spec in aep_argument_spec().items()}
    result.update(client_id="client-abc", client_secret="s3cr3t", org_id="ABC123@AdobeOrg")
    result.update(overrides)
    return result


# Argument spec -----------------------------------------------------------

def test_every_shared_option_has_an_environment_fallback():
    spec = aep_argument_spec()

    assert set(spec) == set(ENV_VARS)
    for option, env_var in ENV_VARS.items():
        function, names = spec[option]["fallback"]
        assert function.__name__ == "env_fallback", option
        assert names == [env_var], option


@pytest.mark.parametrize("option", sorted(ENV_VARS))
def test_fallback_reads_its_environment_variable(monkeypatch, option):
    monkeypatch.setenv(ENV_VARS[option], "value-of-" + option)
    function, names = aep_argument_spec()[option]["fallback"]

    assert function(*names) == "value-of-" + option


def test_secrets_are_no_log_and_defaults_are_sane():
    spec = aep_argument_spec()

    assert {option for option, value in spec.items() if value.get("no_log")} == {"access_token", "client_secret"}
    assert spec["org_id"]["required"] is True
    assert spec["sandbox"]["default"] == "prod"
    assert spec["platform_url"]["default"] == DEFAULT_PLATFORM_URL == "https://platform.adobe.io"
    assert spec["ims_url"]["default"] == DEFAULT_IMS_URL == "https://ims-na1.adobelogin.com"
    assert spec["scopes"]["default"] == DEFAULT_SCOPES
    assert (spec["timeout"]["default"], spec["retries"]["default"], spec["validate_certs"]["default"]) == (30, 5, True)


def test_each_spec_has_its_own_default_scopes_list():
    first = aep_argument_spec()
    first["scopes"]["default"].append("extra")

    assert aep_argument_spec()["scopes"]["default"] == DEFAULT_SCOPES
    assert "extra" not in DEFAULT_SCOPES


# validate_common ---------------------------------------------------------

def rejected(**overrides):
    with pytest.raises(AepValidationError) as info:
        validate_common(params(**overrides))
    return info.value.msg


@pytest.mark.parametrize("credentials", [
    dict(client_id=None, client_secret=None),
    dict(client_secret=None),
    dict(client_id=None),
    dict(client_id="", client_secret=""),
    dict(client_id=None, api_key="key"),
])
def test_missing_credentials(credentials):
    assert rejected(**credentials) == CREDENTIALS_MISSING


@pytest.mark.parametrize("credentials", [
    dict(access_token=None),
    dict(access_token="tok", client_secret=None),
    dict(access_token="tok", client_id=None, client_secret=None, api_key="key"),
])
def test_accepted_credentials(credentials):
    validate_common(params(**credentials))


def test_access_token_needs_an_api_key():
    message = rejected(access_token="tok", client_id=None, api_key=None)

    assert message == "access_token needs an API key: set api_key (AEP_API_KEY) or client_id (AEP_CLIENT_ID)."


@pytest.mark.parametrize("org_id", [None, "", "ABC123", "@AdobeOrg", "ABC123@adobeorg", "ABC123@AdobeOrg "])
def test_org_id_must_end_in_adobeorg(org_id):
    assert rejected(org_id=org_id).startswith("org_id must be an IMS organization id ending in @AdobeOrg")


@pytest.mark.parametrize("sandbox", ["", None, "Prod", "DEV", "my_sandbox", "dev 1", "dev.1", "prod/x"])
def test_sandbox_must_be_a_technical_name(sandbox):
    assert rejected(sandbox=sandbox).startswith("sandbox must be a sandbox's technical name")


def test_sandbox_must_be_ascii():
    # "тест" passes str.isalnum() and str.lower(), but cannot go into the x-sandbox-name header:
    # http.client raises UnicodeEncodeError, which HttpTransport.send does not catch (a traceback).
    assert rejected(sandbox="тест").startswith("sandbox must be a sandbox's technical name")


@pytest.mark.parametrize("sandbox", ["prod", "dev-2", "team-a-7"])
def test_valid_sandboxes(sandbox):
    validate_common(params(sandbox=sandbox))


@pytest.mark.parametrize("url", [
    "https://platform.adobe.io",
    "https://platform-stage.adobe.io/",
    "https://proxy.example.com:8443/aep",
    "http://127.0.0.1:8080",
    "http://127.0.0.53",
    "http://localhost:3000",
    "http://[::1]:8080",
])
@pytest.mark.parametrize("option", ["platform_url", "ims_url"])
def test_accepted_urls(option, url):
    validate_common(params(**{option: url}))


@pytest.mark.parametrize("url", [
    "http://platform.adobe.io",
    "http://10.0.0.5:8080",
    "http://localhost.example.com",
    "http://[2001:db8::1]",
])
@pytest.mark.parametrize("option", ["platform_url", "ims_url"])
def test_plain_http_only_for_loopback(option, url):
    assert rejected(**{option: url}).startswith("%s must use https://" % option)


@pytest.mark.parametrize("url", ["platform.adobe.io", "ftp://platform.adobe.io", "https://", ""])
@pytest.mark.parametrize("option", ["platform_url", "ims_url"])
def test_url_must_be_http_or_https_with_a_host(option, url):
    assert rejected(**{option: url}) == "%s must be an https:// URL, got %r." % (option, url)


@pytest.mark.parametrize("url", ["https://platform.adobe.io/?x=1", "https://platform.adobe.io/#frag"])
@pytest.mark.parametrize("option", ["platform_url", "ims_url"])
def test_url_without_query_or_fragment(option, url):
    assert rejected(**{option: url}) == "%s must be a base URL without query or fragment." % option


def test_ims_url_is_not_checked_with_an_access_token():
    validate_common(params(access_token="tok", ims_url="http://ims.example.com"))


@pytest.mark.parametrize("timeout", [0, -1])
def test_timeout_must_be_positive(timeout):
    assert rejected(timeout=timeout) == "timeout must be a number of seconds from 1 to 3600, got %s." % timeout


def test_timeout_and_retries_lower_bounds_are_accepted():
    validate_common(params(timeout=1, retries=0))


def test_retries_must_not_be_negative():
    assert rejected(retries=-1) == "retries must be a number from 0 to 20, got -1."


@pytest.mark.parametrize("scopes", [[], None])
def test_scopes_needed_for_client_credentials(scopes):
    assert rejected(scopes=scopes) == "scopes must name at least one OAuth scope."
    validate_common(params(scopes=scopes, access_token="tok"))


# build_client ------------------------------------------------------------

def test_build_client_from_options(api, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    options = params(access_token="tok", platform_url=api.platform_url + "/", sandbox="dev", timeout=9,
                     retries=1, validate_certs=True, ca_path="/etc/corp-ca.pem")
    api.add("GET", "/connections/a")

    client = build_client(options)
    client.get("/connections/a")

    assert client.base_url == api.base
    assert client.transport.retries == 1
    assert api.calls[0].req_kwargs["timeout"] == 9
    assert api.calls[0].req_kwargs["verify"] == "/etc/corp-ca.pem"
    assert api.calls[0].headers["Authorization"] == "Bearer tok"
    assert api.calls[0].headers["x-api-key"] == "client-abc"
    assert api.calls[0].headers["x-gw-ims-org-id"] == "ABC123@AdobeOrg"
    assert api.calls[0].headers["x-sandbox-name"] == "dev"


def test_build_client_prefers_api_key_and_uses_the_given_transport(api):
    transport = HttpTransport(retries=0)
    api.add("GET", "/connections/a")

    client = build_client(params(access_token="tok", api_key="key-1", platform_url=api.platform_url), transport)
    client.get("/connections/a")

    assert client.transport is transport
    assert api.calls[0].headers["x-api-key"] == "key-1"


def test_build_client_with_client_credentials_asks_ims(api):
    api.mock.add("POST", "https://ims.example.test/ims/token/v3", json={"access_token": "from-ims"})
    api.add("GET", "/connections/a")

    client = build_client(params(platform_url=api.platform_url, ims_url="https://ims.example.test",
                                 scopes=["openid", "AdobeID"]))
    client.get("/connections/a")

    assert "scope=openid%2CAdobeID" in api.calls[0].body
    assert api.calls[1].headers["Authorization"] == "Bearer from-ims"
    assert api.calls[1].headers["x-api-key"] == "client-abc"
