"""Flow Service (base connections) + Adobe IMS emulator for the collection's tests.

    from aep_emulator import Emulator
    with Emulator() as emu:
        ...  # emu.url serves both the platform API and the IMS token endpoint
"""

from .server import (
    BASE_PATH,
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    IMS_TOKEN_PATH,
    ControlError,
    Emulator,
)
from .specs import AZURE_BLOB_SPEC_ID, FULL_MASK, S3_SPEC_ID

__all__ = [
    "AZURE_BLOB_SPEC_ID",
    "BASE_PATH",
    "ControlError",
    "DEFAULT_ACCESS_TOKEN",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "Emulator",
    "FULL_MASK",
    "IMS_TOKEN_PATH",
    "S3_SPEC_ID",
]
