"""The thin core of azsim: server, routing, auth, errors, LRO, persistence, proxy, admin API."""
