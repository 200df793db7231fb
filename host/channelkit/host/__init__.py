"""channelkit.host — the reference host: workspaces, rules and the gRPC edge.

Run it with ``channelkit serve``. The pure rules live in
:mod:`channelkit.host.core`; everything else here is an edge around it.
"""
