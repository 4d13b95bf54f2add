"""Microsoft.Storage: storage accounts, keys and SAS, the blob service and containers (management plane), and the blob
data plane on ``{account}.blob.core.windows.net`` served by one Azurite process (azure-mgmt-storage 25.x,
azure-storage-blob 12.x); container immutability policies and legal holds, lifecycle management policies and blob soft
delete are azsim's, around Azurite."""

from . import handlers
from .azurite import Azurite
from .dataplane import BlobFrontDoor
from .engine import Engine


def register(app):
    azurite = Azurite(app)
    handlers.register(app, azurite)
    door = BlobFrontDoor(app, azurite)
    engine = Engine(app, azurite)
    app.host_handlers.append((door.accepts, door.handle))
    app.tick_hooks.append(azurite.tick)
    app.tick_hooks.append(engine.tick)
    app.admin_routes[("GET", "lifecycle")] = engine.admin
    app.admin_routes[("POST", "lifecycle")] = engine.admin
    app.reset_hooks.append(azurite.reset)
    app.reset_hooks.append(engine.reset)
    app.shutdown_hooks.append(azurite.shutdown)
