"""Adobe Experience Platform emulator (Flow Service, Data Prep, Catalog, Schema
Registry) + Adobe IMS, for the collection's tests.

    from aep_emulator import Emulator
    with Emulator() as emu:
        ...  # emu.url serves both the platform API and the IMS token endpoint
"""

from .catalog import CATALOG_BASE_PATH
from .flows import DATA_LAKE_SPEC_ID, FLOW_SPEC_ID
from .schemas import PROFILE_CLASS, SCHEMA_BASE_PATH, TENANT_ID
from .server import (
    BASE_PATH,
    DATAPREP_BASE_PATH,
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
    "CATALOG_BASE_PATH",
    "ControlError",
    "DATA_LAKE_SPEC_ID",
    "DATAPREP_BASE_PATH",
    "DEFAULT_ACCESS_TOKEN",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "Emulator",
    "FLOW_SPEC_ID",
    "FULL_MASK",
    "IMS_TOKEN_PATH",
    "PROFILE_CLASS",
    "S3_SPEC_ID",
    "SCHEMA_BASE_PATH",
    "TENANT_ID",
]
