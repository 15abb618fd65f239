"""ontap-ipsec: NetApp ONTAP's REST API for IPsec CA certificates, on real storage."""

__version__ = "0.1.0"
