from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

def test_routes(client: TestClient) -> None:
    for ctx in iter_route_contexts(client.app.routes):
        print(type(ctx.original_route).__name__, ctx.methods, ctx.path, isinstance(ctx.original_route, APIRoute))
    assert 0
