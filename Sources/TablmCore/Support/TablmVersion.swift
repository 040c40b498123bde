/// The release of tablm: `tablm --version`, the evaluation report's context, the Python package's
/// check that it drives a binary it knows. Semantic versioning; bumped with each released change of
/// the command line or the checkpoint format.
public enum TablmVersion {
    public static let string = "0.44.0"
}
