"""Azure Cache for Redis (Microsoft.Cache/Redis) through azure-mgmt-redis 14.5 and raw REST."""

import time

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.redis import RedisManagementClient
from azure.mgmt.redis.models import RedisCreateParameters, RedisUpdateParameters, Sku

API = "api-version=2024-11-01"


@pytest.fixture
def redis(azsim, mode):
    return azsim.client(RedisManagementClient, mode)


def basic(**kw):
    return RedisCreateParameters(location="westeurope", sku=Sku(name="Basic", family="C", capacity=0), **kw)


def test_create_get_keys_update_delete(redis, resource_group, unique):
    name = f"cache-{unique}"
    cache = redis.redis.begin_create(resource_group, name, basic(minimum_tls_version="1.2")).result()
    assert cache.provisioning_state == "Succeeded" and cache.type == "Microsoft.Cache/Redis"
    assert cache.host_name == f"{name}.redis.cache.windows.net" and cache.port == 6379 and cache.ssl_port == 6380
    assert cache.enable_non_ssl_port is False and cache.minimum_tls_version == "1.2" and cache.redis_version.startswith("6.")
    assert cache.sku.name == "Basic" and cache.sku.capacity == 0 and cache.access_keys is None
    keys = redis.redis.list_keys(resource_group, name)
    assert len(keys.primary_key) == 44 and keys.primary_key != keys.secondary_key
    regen = redis.redis.regenerate_key(resource_group, name, {"keyType": "Primary"})
    assert regen.primary_key != keys.primary_key and regen.secondary_key == keys.secondary_key
    updated = redis.redis.begin_update(resource_group, name, RedisUpdateParameters(enable_non_ssl_port=True)).result()
    assert updated.enable_non_ssl_port is True
    assert [c.name for c in redis.redis.list_by_resource_group(resource_group)] == [name]
    redis.redis.begin_delete(resource_group, name).result()
    with pytest.raises(ResourceNotFoundError):
        redis.redis.get(resource_group, name)


def test_names_are_global_and_checked(redis, resource_client, resource_group, unique):
    name = f"glob-{unique}"
    redis.redis.check_name_availability({"name": name, "type": "Microsoft.Cache/redis"})  # 200, no body: available
    redis.redis.begin_create(resource_group, name, basic()).result()
    with pytest.raises(ResourceExistsError) as e:
        redis.redis.check_name_availability({"name": name, "type": "Microsoft.Cache/redis"})
    assert e.value.error.code == "NameNotAvailable"
    other = f"rg2-{unique}"
    resource_client.resource_groups.create_or_update(other, {"location": "westeurope"})
    with pytest.raises(ResourceExistsError):
        redis.redis.begin_create(other, name, basic()).result()
    for bad in ("a--b", "-ab", "ab-", "x" * 64, "a_b"):
        with pytest.raises(HttpResponseError) as e:
            redis.redis.begin_create(resource_group, bad, basic()).result()
        assert e.value.status_code == 400, bad


def test_sku_and_version_rules(redis, resource_group, unique):
    cases = [Sku(name="Premium", family="C", capacity=1), Sku(name="Basic", family="C", capacity=7), Sku(name="Premium", family="P", capacity=0)]
    for sku in cases:
        with pytest.raises(HttpResponseError) as e:
            redis.redis.begin_create(resource_group, f"s-{unique}", RedisCreateParameters(location="westeurope", sku=sku)).result()
        assert e.value.status_code == 400
    with pytest.raises(HttpResponseError) as e:
        redis.redis.begin_create(resource_group, f"v-{unique}", basic(redis_version="4")).result()
    assert e.value.status_code == 400
    with pytest.raises(HttpResponseError):
        redis.redis.begin_create(resource_group, f"t-{unique}", basic(minimum_tls_version="1.3")).result()
    latest = redis.redis.begin_create(resource_group, f"l-{unique}", basic(redis_version="latest")).result()
    assert latest.redis_version.startswith("6.")


def test_create_is_slow_and_polled_on_provisioning_state(azsim, mode, resource_group, unique, time_scale):
    time_scale(0.001)  # redis.create is ~18 min of Azure time: about 1 s here
    s = azsim.session(mode)
    url = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Cache/redis/slow-{unique}?{API}"
    body = {"location": "westeurope", "properties": {"sku": {"name": "Standard", "family": "C", "capacity": 1}}}
    r = s.put(url, json=body)
    assert r.status_code == 201 and r.json()["properties"]["provisioningState"] == "Creating"
    assert r.json()["properties"]["accessKeys"]["primaryKey"]
    assert s.get(url).json()["properties"]["provisioningState"] == "Creating"
    r = s.patch(url, json={"properties": {"enableNonSslPort": True}})
    assert r.status_code == 409
    deadline = time.time() + 10
    while s.get(url).json()["properties"]["provisioningState"] != "Succeeded":
        assert time.time() < deadline
        time.sleep(0.2)
    doc = s.get(url).json()
    assert len(doc["properties"]["instances"]) == 2 and "accessKeys" in doc["properties"]


def test_new_cache_refuses_retired_tls(redis, resource_group, unique):
    # Learn, cache-tls-configuration.md: TLS 1.0/1.1 retired (no new cache takes them since March 2024).
    for version in ("1.0", "1.1"):
        with pytest.raises(HttpResponseError) as e:
            redis.redis.begin_create(resource_group, f"tls-{unique}", basic(minimum_tls_version=version)).result()
        assert e.value.status_code == 400 and "minimumTlsVersion" in str(e.value)
    with pytest.raises(ResourceNotFoundError):
        redis.redis.get(resource_group, f"tls-{unique}")
