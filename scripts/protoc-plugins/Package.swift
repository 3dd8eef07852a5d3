// swift-tools-version:6.1
// Pinned protoc plugins for scripts/generate-protos.sh. Built in release, never part of the
// main package build, so a clean build of Workcell never compiles protoc or these plugins.
import PackageDescription

let package = Package(
  name: "protoc-plugins",
  dependencies: [
    .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
    .package(url: "https://github.com/grpc/grpc-swift-2.git", exact: "2.4.3"),
  ],
  targets: [
    // A placeholder target: SwiftPM needs one to resolve; the products we build are the
    // dependencies' executables `protoc-gen-swift` and `protoc-gen-grpc-swift-2`.
    .target(
      name: "ProtocPlugins",
      dependencies: [
        .product(name: "SwiftProtobuf", package: "swift-protobuf")
      ]
    )
  ]
)
