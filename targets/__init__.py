"""Shipped hardware target descriptions (`<name>.yaml`), read by qcomp.hardware.load_hardware."""
