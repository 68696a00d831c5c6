"""A tenant's archive: export it alone, import it back (service.py); what each
app contributes to it (registry.py); the kernel's own rows (parts.py)."""
