import Testing
@testable import NutPerception
