"""The ONTAP REST framework: resource-agnostic parsing, rendering and errors."""
