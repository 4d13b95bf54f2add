"""Microsoft.Storage: storage accounts, keys and SAS, the blob service and containers (management plane), and the blob
data plane on ``{account}.blob.core.windows.net`` served by one Azurite process (azure-mgmt-storage 25.x,
azure-storage-blob 12.x)."""

from . import handlers
from .azurite import Azurite
from .dataplane import BlobFrontDoor


def register(app):
    azurite = Azurite(app)
    handlers.register(app, azurite)
    door = BlobFrontDoor(app, azurite)
    app.host_handlers.append((door.accepts, door.handle))
    app.tick_hooks.append(azurite.tick)
    app.reset_hooks.append(azurite.reset)
    app.shutdown_hooks.append(azurite.shutdown)
