"""/api/security/certificate-signing-request: generate a CSR and its private key.

A POST-only utility (introduced in ONTAP 9.8): the answer carries `csr` and
`generated_private_key` at its top level, where netapp.ontap's na_ontap_security_certificates
(`generate_csr: true`) reads them; nothing is stored.
"""

from __future__ import annotations

from ontap_ipsec.domain import csr as rules
from ontap_ipsec.domain.backends.certificates import SAN_KINDS, generate_csr
from ontap_ipsec.rest.body import parse_body
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.rest.resource import POST_ONLY, READ, Field, Resource, integer, string

resource = Resource(
    slow_writes=True,  # keys are generated, X.509 is checked
    name="certificate_signing_request",
    path="/api/security/certificate-signing-request",
    key=None,
    summary="Generate a certificate signing request and a private key.",
    tag="security",
    fields=[
        string(
            "subject_name",
            access=POST_ONLY,
            description="Subject name details of the certificate: comma-separated key=value "
            "pairs, e.g. C=US,O=NTAP,CN=test.domain.com. Can be omitted if "
            "subject_alternatives is given.",
        ),
        *[
            Field(
                f"subject_alternatives.{kind}",
                "array",
                access=POST_ONLY,
                description=f"Subject alternative names of type {kind}.",
            )
            for kind in SAN_KINDS
        ],
        integer(
            "security_strength",
            access=POST_ONLY,
            description="Security strength of the certificate in bits (default 112).",
        ),
        string(
            "hash_function",
            access=POST_ONLY,
            enum=rules.HASHES,
            description="Hashing function (default sha256).",
        ),
        string(
            "algorithm",
            access=POST_ONLY,
            enum=rules.ALGORITHMS,
            description="Asymmetric encryption algorithm (default rsa).",
        ),
        Field(
            "key_usages",
            "array",
            access=POST_ONLY,
            description="A list of key usage extensions: " + ", ".join(rules.KEY_USAGES) + ".",
        ),
        Field(
            "extended_key_usages",
            "array",
            access=POST_ONLY,
            description="A list of extended key usage extensions: "
            + ", ".join(rules.EXTENDED_KEY_USAGES)
            + ".",
        ),
        string(
            "csr",
            access=READ,
            format="pem",
            description="A Certificate Signing Request (CSR) provided to a CA for obtaining a "
            "CA-signed certificate.",
        ),
        string(
            "generated_private_key",
            access=READ,
            format="pem",
            description="Private key generated for the CSR.",
        ),
    ],
    self_links=False,
)


@resource.on("collection", "POST", summary="Generate a CSR and its private key (nothing stored).")
def create(ctx: Context, request: Request) -> Response:
    parse_query(request.query_string, resource, "post")
    body = parse_body(request.body, resource, "post")
    csr, key = generate_csr(body)
    return Response(201, {"csr": csr, "generated_private_key": key})
