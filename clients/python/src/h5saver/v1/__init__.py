"""h5saver.v1: protobuf messages and gRPC stub generated from proto/h5saver/v1 by
scripts/gen-proto.sh (grpcio-tools). Never edit these files: change the .proto and regenerate."""
