"""A tenant's archive: export it alone (export.py), read it back (reading.py),
import it (importing.py, with import_files.py and import_chains.py), in the
format encoding.py defines, all re-exported by the facade service.py; what each
app contributes to it (registry.py); the kernel's own rows (parts.py)."""
