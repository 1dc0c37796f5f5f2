public enum BulkheadVersion {
    public static let current = "0.1.0"
}
