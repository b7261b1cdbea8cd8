"""Request signing: HMAC-SHA256 checked against RFC 4231's published test vectors, then the protocol."""

from __future__ import annotations

import hashlib

import pytest

from rating import signing
from rating.problems import Problem

# RFC 4231, section 4: HMAC-SHA-256 test cases 1-4, 6 and 7 (case 5 truncates the output).
RFC4231 = [
    (b"\x0b" * 20, b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (b"Jefe", b"what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    (b"\xaa" * 20, b"\xdd" * 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    (bytes(range(1, 26)), b"\xcd" * 50, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    (b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    (b"\xaa" * 131, b"This is a test using a larger than block-size key and a larger than block-size data. "
                    b"The key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
]


@pytest.mark.parametrize("key,data,expected", RFC4231)
def test_hmac_sha256_matches_the_rfc_4231_test_vectors(key, data, expected):
    assert signing.hmac_sha256(key, data) == expected


def test_rfc_4231_case_5_matches_when_truncated_to_128_bits():
    assert signing.hmac_sha256(b"\x0c" * 20, b"Test With Truncation")[:32] == "a3b6167473100ee06e0c796c2955552b"


def test_the_string_to_sign_is_timestamp_method_path_and_body_hash():
    body = b'{"kiosk_id":"k"}'
    assert signing.string_to_sign(1795305110, "post", "/v1/batches", body) == (
        b"1795305110\nPOST\n/v1/batches\n" + hashlib.sha256(body).hexdigest().encode())


def test_a_signature_verifies_and_any_change_breaks_it():
    secret, ts, body = b"k" * 32, 1_800_000_000, b"{}"
    sig = signing.sign(secret, ts, "POST", "/v1/batches", body)
    assert signing.verify(secret, str(ts), sig, "POST", "/v1/batches", body, now=ts + 10) == ts
    for change in [dict(secret=b"x" * 32), dict(body=b"{ }"), dict(path="/v1/batches?x=1"), dict(method="PUT")]:
        args = dict(secret=secret, body=body, path="/v1/batches", method="POST") | change
        with pytest.raises(signing.SignatureError) as err:
            signing.verify(args["secret"], str(ts), sig, args["method"], args["path"], args["body"], now=ts)
        assert err.value.problem is Problem.BAD_SIGNATURE


@pytest.mark.parametrize("timestamp,signature,problem", [
    (None, "ab", Problem.UNSIGNED), ("1800000000", None, Problem.UNSIGNED), ("yesterday", "ab", Problem.BAD_TIMESTAMP),
])
def test_missing_or_malformed_headers_are_named(timestamp, signature, problem):
    with pytest.raises(signing.SignatureError) as err:
        signing.verify(b"k", timestamp, signature, "POST", "/", b"", now=1_800_000_000)
    assert err.value.problem is problem


def test_a_timestamp_outside_the_window_is_stale():
    secret, ts = b"k" * 32, 1_800_000_000
    sig = signing.sign(secret, ts, "POST", "/", b"")
    with pytest.raises(signing.SignatureError) as err:
        signing.verify(secret, str(ts), sig, "POST", "/", b"", now=ts + 301)
    assert err.value.problem is Problem.STALE_TIMESTAMP and err.value.values["server_time"] == ts + 301
