"""Integration targets of the redis_cache and front_door_* modules against azsim (see conftest.py)."""


def test_redis_cache(run_target):
    run_target("redis_cache")


def test_front_door(run_target):
    run_target("front_door")
