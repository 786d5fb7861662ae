"""
===================================================
Training curves on GunPoint: loss, early stopping
===================================================

The lecture's advice for avoiding overfitting is to watch the validation
loss, lower the learning rate when training stalls and stop early, keeping
the best model. :class:`~sklearn_rnn.LSTMClassifier` does all three; this
example looks inside a fit on the GunPoint data set (shipped with sktime, no
download) to see them at work: the training loss curve, the validation loss
and accuracy with ``early_stopping=True``, the epoch whose weights are
restored and the epochs at which the learning rate is divided by five.
"""

# %%
# Data: the official GunPoint split
# ---------------------------------
# sktime's ``numpy3D`` layout is (N, P, M): series, channels, timesteps. The
# estimators are batch-first, (N, M, P), so the last two axes are swapped.
import matplotlib.pyplot as plt
import numpy as np
from sktime.datasets import load_gunpoint

X_train, y_train = load_gunpoint(split="train", return_type="numpy3D")
X_test, y_test = load_gunpoint(split="test", return_type="numpy3D")
X_train, X_test = X_train.transpose(0, 2, 1), X_test.transpose(0, 2, 1)
print(f"train: {X_train.shape}, test: {X_test.shape}, classes: {np.unique(y_train)}")

# %%
# A default fit and its loss curve
# --------------------------------
# With fewer than 1000 training series, ``early_stopping="auto"`` leaves early
# stopping off: every series is used for training, and the *training* loss
# decides when to lower the learning rate and when to stop. The 150 steps of
# each series are read in patches of ``patch_size_`` steps (10), each fed to
# the LSTM by the convolutional stem. ``random_crop="auto"`` trains on random
# windows of 120 of the 150 steps (12 recurrent steps), and prediction
# averages the outputs for 5 such windows of each series.
from sklearn_rnn import LSTMClassifier

clf = LSTMClassifier(random_state=0).fit(X_train, y_train)
print(f"patch_size_: {clf.patch_size_}, epochs: {clf.n_iter_}")
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")

# %%
# When was the learning rate lowered?
# -----------------------------------
# skorch's ``net_.history`` holds one row per epoch: the losses, and the
# learning rate that the epoch trained with, ``net_.history[:, "lr"]``. A
# division by 5 on a plateau shows as a drop of the rate from one epoch to
# the next.


def lr_reductions(est):
    """Epochs at the end of which ``est`` divided its learning rate by 5."""
    lr = np.array(est.net_.history[:, "lr"])
    return (np.flatnonzero(lr[1:] < lr[:-1]) + 1).tolist()


leave = int(np.argmax(np.array(clf.loss_curve_) < 0.6)) + 1
print(f"training loss first below 0.6 at epoch {leave}")
cuts = lr_reductions(clf)
print(f"learning rate divided by 5 after epochs {cuts}")
print(f"learning rate of the last epoch: {clf.net_.history[-1, 'lr']:.2g}")

fig, ax = plt.subplots(figsize=(7, 3.5))
epochs = np.arange(1, clf.n_iter_ + 1)
ax.plot(epochs, clf.loss_curve_, label="training loss (loss_curve_)")
for i, epoch in enumerate(cuts):
    ax.axvline(
        epoch, color="grey", ls=":", label="learning rate / 5" if i == 0 else None
    )
ax.set(xlabel="epoch", ylabel="cross-entropy", yscale="log")
ax.set_title(f"default fit: test accuracy {clf.score(X_test, y_test):.3f}")
ax.legend()
fig.tight_layout()

# %%
# The training loss first sits near :math:`\log 2 \approx 0.69`, a coin
# flip, until the network finds the signal (the epoch printed above); then it
# drops, noisily, towards the floor that ``label_smoothing=0.1`` sets (the
# loss of predicting the smoothed targets exactly, about 0.2 for two
# classes). There it stops improving: each plateau of 10 epochs divides the
# learning rate by 5. The loss improves again after the fourth division,
# so the fit goes on to a fifth plateau, which ends it before ``max_iter``
# (400 epochs): a fifth division would take the rate below its floor, a
# thousandth of ``learning_rate_init``. A plateau after two divisions that
# brought no improvement ends a fit sooner, as in the fits below.
#
# Early stopping on a validation set
# ----------------------------------
# ``early_stopping=True`` holds out ``validation_fraction`` of the training
# series (stratified by class), monitors their loss instead of the training
# loss, and at the end restores the weights of the epoch with the best
# validation loss. GunPoint has only 50 training series, so holding out 20 %
# leaves 40 for training and 10 for validation. Two values of the patience
# ``n_iter_no_change`` show how much that small validation set matters.
# The restored epoch is the one with the lowest validation loss, whose
# value is ``best_loss_``.


fits = {}
for patience in (10, 20):
    est = LSTMClassifier(
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=patience,
        random_state=0,
    ).fit(X_train, y_train)
    history = est.net_.history
    valid_loss = history[:, "valid_loss"]
    best_epoch = int(np.argmin(valid_loss)) + 1
    print(f"\nn_iter_no_change={patience}: {est.n_iter_} epochs")
    print(
        f"restored epoch {best_epoch}, "
        f"validation loss {valid_loss[best_epoch - 1]:.3f} "
        f"(best_loss_ = {est.best_loss_:.3f}), "
        f"validation accuracy {est.validation_scores_[best_epoch - 1]:.2f}"
    )
    est_cuts = lr_reductions(est)
    fits[patience] = (est, best_epoch, est_cuts)
    print(f"learning rate divided by 5 after epochs {est_cuts}")
    print(f"learning rate of the last epoch: {history[-1, 'lr']:.2g}")
    print(f"test accuracy: {est.score(X_test, y_test):.3f}")

# %%
# The curves: training and validation loss on top, validation accuracy
# (``validation_scores_``) below, the restored epoch in red and the learning
# rate reductions dotted.
fig, axes = plt.subplots(2, 2, figsize=(10, 5.5), sharex="col", sharey="row")
for col, (patience, (est, best_epoch, est_cuts)) in enumerate(fits.items()):
    history = est.net_.history
    epochs = np.arange(1, est.n_iter_ + 1)
    ax_loss, ax_acc = axes[:, col]
    ax_loss.plot(epochs, history[:, "train_loss"], label="training loss")
    ax_loss.plot(epochs, history[:, "valid_loss"], label="validation loss")
    ax_acc.plot(epochs, est.validation_scores_, color="tab:green")
    for ax in (ax_loss, ax_acc):
        ax.axvline(best_epoch, color="tab:red", label="restored epoch")
        for i, epoch in enumerate(est_cuts):
            ax.axvline(epoch, color="grey", ls=":", label="lr / 5" if i == 0 else None)
    ax_loss.set_title(
        f"n_iter_no_change={patience}: test accuracy {est.score(X_test, y_test):.3f}"
    )
    ax_loss.set(yscale="log")
    ax_acc.set(xlabel="epoch", ylim=(0, 1.05))
axes[0, 0].set_ylabel("cross-entropy")
axes[1, 0].set_ylabel("validation accuracy")
axes[0, 0].legend(fontsize="small")
fig.tight_layout()

# %%
# The patience sets how long training goes on after the best epoch so far,
# looking for a better one: twice as many epochs on each plateau. The longer
# patience could find a lower validation loss at a later epoch; here it
# trains longer for nothing, and both fits restore the same epoch, after two
# divisions of the learning rate that did not improve the validation loss.
# Those weights score below the default fit on the test set, which trained
# on all 50 series. Ten validation series also make the validation
# accuracy move in steps of 0.1.
#
# ``early_stopping="auto"`` switches early stopping on only from 1000
# training series. With 50, the runs above gain nothing from it: they
# train on 40 series for no better test accuracy, and a validation set of
# 10 is too small to judge the model.
plt.show()
