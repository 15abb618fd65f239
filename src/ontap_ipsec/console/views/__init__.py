"""The console's pages, one module per page family; importing this registers them all."""

from ontap_ipsec.console.views import certificate, certificates, ipsec, login, overview, svms

__all__ = ["certificate", "certificates", "ipsec", "login", "overview", "svms"]
