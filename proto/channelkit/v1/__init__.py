"""Generated code of the channelkit.v1 contract; the .proto files beside it are the source."""
