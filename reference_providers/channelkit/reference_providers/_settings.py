"""The reference providers' custom parameters, read from the host configuration.

Parameters arrive as strings (``[[providers]] parameters = {...}``); each
provider validates them once in ``on_start`` so a typo stops the provider
with a message naming the parameter, instead of being silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import ValidationError


class TrafficSettings(BaseModel):
    """Parameters every reference provider understands.

    ``traffic`` switches the built-in simulator on: customers arrive at random
    (a Poisson process of ``per_minute`` arrivals per agent, seeded by
    ``seed``, at most ``arrivals`` of them unless 0) and answer the agent
    after about ``reply_seconds``. Off by
    default, so a host that merely has the package installed never invents
    customers; ``channelkit simulate`` injects single events either way.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    traffic: bool = False
    seed: int = 1
    per_minute: float = Field(4.0, gt=0.0, le=600.0)
    reply_seconds: float = Field(4.0, gt=0.0, le=600.0)
    arrivals: int = Field(0, ge=0, le=1_000_000)
    """Customers per agent before the simulator stops (0: no end), for scenarios that run to completion."""


class TelephonySettings(TrafficSettings):
    """Telephony: calls also end by themselves after up to ``max_call_seconds``."""

    max_call_seconds: float = Field(90.0, gt=0.0, le=86_400.0)
    answer_seconds: float = Field(1.5, ge=0.0, le=60.0)


class ChatSettings(TrafficSettings):
    """Chat: a visitor silent for ``idle_seconds`` has left and the chat ends (0 never)."""

    idle_seconds: float = Field(60.0, ge=0.0, le=86_400.0)


S = TypeVar("S", bound=TrafficSettings)


class ParameterError(ValueError):
    """A provider parameter is unknown or has a bad value; the message names it."""


def parse(model: type[S], parameters: Mapping[str, str], provider: str) -> S:
    """Validate ``parameters`` against ``model``, naming the offending parameter on failure."""
    try:
        return model.model_validate(dict(parameters))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False))
        raise ParameterError(f"provider {provider}: bad parameters ({problems})") from None
