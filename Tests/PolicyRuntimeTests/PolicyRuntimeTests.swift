import Testing
@testable import PolicyRuntime
