"""The `ontap-ipsec` command."""
