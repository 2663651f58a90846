"""The package's contents (everything else is in pyproject.toml): the server's modules, and web/
(templates, static files with the socket.io-client build, strings) shipped inside it as
server/web, each folder listed so that an installed server needs neither the repository nor
Node.js."""

from setuptools import find_namespace_packages, find_packages, setup

WEB = ["server.web", *(f"server.web.{p}" for p in find_namespace_packages(where="web"))]

setup(
    packages=[*find_packages(include=["server", "server.*"]), *WEB],
    package_dir={"server.web": "web"},
    package_data={p: ["*"] for p in WEB},
)
