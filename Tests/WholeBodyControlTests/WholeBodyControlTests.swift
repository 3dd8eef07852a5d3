import Testing
@testable import WholeBodyControl
