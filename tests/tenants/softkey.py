"""A software security key for tests: answers the WebAuthn options a page gives,
as a browser and a key would (ES256, "none" attestation), for its own relying
party only."""

from __future__ import annotations

import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticationExtensionsClientOutputs,
    AuthenticationResponse,
    AuthenticatorAssertionResponse,
    AuthenticatorAttestationResponse,
    AuthenticatorData,
    CollectedClientData,
    RegistrationResponse,
)

FLAGS = AuthenticatorData.FLAG


class NotRegisteredHere(Exception):
    """The key holds no credential for this relying party (a browser shows
    "this key is not registered with this site")."""


class SoftKey:
    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.rp_id: str | None = None
        self.counter = 0

    def create(self, options: dict, origin: str) -> str:
        """The JSON a page posts after navigator.credentials.create()."""
        public_key = options["publicKey"]
        self.rp_id = public_key["rp"]["id"]
        client_data = CollectedClientData.create(
            "webauthn.create", public_key["challenge"], origin
        )
        credential = AttestedCredentialData.create(
            b"\0" * 16,
            self.credential_id,
            ES256.from_cryptography_key(self.private.public_key()),
        )
        auth_data = AuthenticatorData.create(
            hashlib.sha256(self.rp_id.encode()).digest(),
            FLAGS.UP | FLAGS.UV | FLAGS.AT,
            0,
            credential,
        )
        response = RegistrationResponse(
            raw_id=self.credential_id,
            response=AuthenticatorAttestationResponse(
                client_data=client_data,
                attestation_object=AttestationObject.create("none", auth_data, {}),
            ),
            client_extension_results=AuthenticationExtensionsClientOutputs(
                {"credProps": {"rk": False}}
            ),
        )
        return json.dumps(dict(response))

    def get(self, options: dict, origin: str) -> str:
        """The JSON a page posts after navigator.credentials.get()."""
        public_key = options["publicKey"]
        rp_id = public_key.get("rpId")
        allowed = [
            websafe_decode(entry["id"])
            for entry in public_key.get("allowCredentials", [])
        ]
        if rp_id != self.rp_id or self.credential_id not in allowed:
            raise NotRegisteredHere(rp_id)
        self.counter += 1
        client_data = CollectedClientData.create(
            "webauthn.get", public_key["challenge"], origin
        )
        auth_data = AuthenticatorData.create(
            hashlib.sha256(rp_id.encode()).digest(), FLAGS.UP | FLAGS.UV, self.counter
        )
        signature = self.private.sign(
            auth_data + client_data.hash, ec.ECDSA(hashes.SHA256())
        )
        response = AuthenticationResponse(
            raw_id=self.credential_id,
            response=AuthenticatorAssertionResponse(
                client_data=client_data,
                authenticator_data=auth_data,
                signature=signature,
            ),
        )
        return json.dumps(dict(response))

    @property
    def id(self) -> str:
        return websafe_encode(self.credential_id)
