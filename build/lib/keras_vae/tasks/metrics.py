"""Detection metrics shared by anomaly detection and out-of-distribution checks.

scikit-learn computes AUROC and average precision: its implementations handle ties
and are the ones papers report, so nothing here re-derives them.
"""

import numpy as np


def _sklearn_metrics():
    try:
        import sklearn.metrics as metrics
    except ImportError as e:
        raise ImportError("AUROC and average precision need scikit-learn: pip install keras-vae[apps]") from e
    return metrics


def check_scores(scores, what):
    arr = np.asarray(scores, dtype="float64")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{what} must be a non-empty 1-d array of per-example scores, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} contain NaN or infinite values")
    return arr


def detection_metrics(negative_scores, positive_scores, threshold=None):
    """AUROC and average precision of scores meant to be higher on the positive class.

    Args:
        negative_scores: scores of normal (in-distribution) examples, shape (n,).
        positive_scores: scores of anomalous (out-of-distribution) examples, shape (m,).
        threshold: if given, the false- and true-positive rates of flagging
            ``score > threshold`` are added.

    Returns:
        dict with ``auroc`` (0.5: no separation; below 0.5: positives score *lower*),
        ``average_precision`` and the counts.
    """
    metrics = _sklearn_metrics()
    negative = check_scores(negative_scores, "normal scores")
    positive = check_scores(positive_scores, "anomalous scores")
    truth = np.concatenate([np.zeros(len(negative)), np.ones(len(positive))])
    scores = np.concatenate([negative, positive])
    out = {
        "auroc": float(metrics.roc_auc_score(truth, scores)),
        "average_precision": float(metrics.average_precision_score(truth, scores)),
        "normal": int(len(negative)),
        "anomalous": int(len(positive)),
    }
    if threshold is not None:
        out["threshold"] = float(threshold)
        out["false_positive_rate"] = float(np.mean(negative > threshold))
        out["true_positive_rate"] = float(np.mean(positive > threshold))
    return out
