/// What a run tells its caller while it works. The core prints nothing: the command line turns
/// these into lines on stderr (with an ETA), a notebook into whatever it shows.
public enum FinetuneEvent: Sendable {
    /// A line for the user: what was chosen, a note or a warning.
    case message(String)
    /// A stage of steps begins: the caller can start its clock.
    case stageStarted(FinetuneStage, startStep: Int, totalSteps: Int)
    /// A step of training on pseudo rows or (without privacy) on the rows.
    case step(FinetuneStage, TrainingProgress)
    /// A DP-SGD progress point; `epsilon` includes the schema's estimation.
    case privateStep(PrivateProgress)
}

public enum FinetuneStage: Sendable {
    /// Training on the marginal prior's pseudo rows (no privacy cost).
    case prior
    /// Training on the rows, without privacy.
    case training
    /// DP-SGD on the rows.
    case privateTraining
}
