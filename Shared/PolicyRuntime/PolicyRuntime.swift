/// Placeholder while issue #6 fills this module in.
public enum PolicyRuntimeModule {}
