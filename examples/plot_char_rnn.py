"""
==================================================
A character-level language model
==================================================

The second lecture's example of what recurrent networks are for: a
character-level language model, which reads the characters of a text one
at a time and predicts the next one. The lecture's network emits a
prediction at every step; here the task is first framed as many-to-one
sequence classification: the input is a window of the previous ``k``
characters, each one-hot encoded, so ``X`` has shape ``(N, k, vocabulary)``,
and the class is the character that follows.
:class:`~sklearn_rnn.LSTMClassifier` learns it, and its ``predict_proba`` is
the distribution from which new text is sampled. The last section trains
the lecture's form, a prediction at every step, with
:class:`~sklearn_rnn.LSTMTagger`.
"""

# %%
# The text
# --------
# Nine of Shakespeare's sonnets (1, 12, 18, 29, 55, 60, 73, 116 and 130, in
# the public domain), about 5.5 KB, embedded in this file. A real language
# model would read megabytes; a few kilobytes keep the example fast and show
# what a small recurrent network picks up from little data.
import matplotlib.pyplot as plt
import numpy as np

SONNETS = """\
From fairest creatures we desire increase,
That thereby beauty's rose might never die,
But as the riper should by time decease,
His tender heir might bear his memory:
But thou, contracted to thine own bright eyes,
Feed'st thy light's flame with self-substantial fuel,
Making a famine where abundance lies,
Thyself thy foe, to thy sweet self too cruel.
Thou that art now the world's fresh ornament
And only herald to the gaudy spring,
Within thine own bud buriest thy content,
And, tender churl, mak'st waste in niggarding.
Pity the world, or else this glutton be,
To eat the world's due, by the grave and thee.

When I do count the clock that tells the time,
And see the brave day sunk in hideous night;
When I behold the violet past prime,
And sable curls all silver'd o'er with white;
When lofty trees I see barren of leaves,
Which erst from heat did canopy the herd,
And summer's green all girded up in sheaves,
Borne on the bier with white and bristly beard,
Then of thy beauty do I question make,
That thou among the wastes of time must go,
Since sweets and beauties do themselves forsake
And die as fast as they see others grow;
And nothing 'gainst Time's scythe can make defence
Save breed, to brave him when he takes thee hence.

Shall I compare thee to a summer's day?
Thou art more lovely and more temperate:
Rough winds do shake the darling buds of May,
And summer's lease hath all too short a date;
Sometime too hot the eye of heaven shines,
And often is his gold complexion dimm'd;
And every fair from fair sometime declines,
By chance or nature's changing course untrimm'd;
But thy eternal summer shall not fade,
Nor lose possession of that fair thou ow'st;
Nor shall Death brag thou wander'st in his shade,
When in eternal lines to time thou grow'st:
So long as men can breathe or eyes can see,
So long lives this, and this gives life to thee.

When, in disgrace with fortune and men's eyes,
I all alone beweep my outcast state,
And trouble deaf heaven with my bootless cries,
And look upon myself and curse my fate,
Wishing me like to one more rich in hope,
Featur'd like him, like him with friends possess'd,
Desiring this man's art and that man's scope,
With what I most enjoy contented least;
Yet in these thoughts myself almost despising,
Haply I think on thee, and then my state,
(Like to the lark at break of day arising
From sullen earth) sings hymns at heaven's gate;
For thy sweet love remember'd such wealth brings
That then I scorn to change my state with kings.

Not marble, nor the gilded monuments
Of princes, shall outlive this powerful rhyme;
But you shall shine more bright in these contents
Than unswept stone, besmear'd with sluttish time.
When wasteful war shall statues overturn,
And broils root out the work of masonry,
Nor Mars his sword nor war's quick fire shall burn
The living record of your memory.
'Gainst death and all-oblivious enmity
Shall you pace forth; your praise shall still find room
Even in the eyes of all posterity
That wear this world out to the ending doom.
So, till the judgment that yourself arise,
You live in this, and dwell in lovers' eyes.

Like as the waves make towards the pebbled shore,
So do our minutes hasten to their end;
Each changing place with that which goes before,
In sequent toil all forwards do contend.
Nativity, once in the main of light,
Crawls to maturity, wherewith being crown'd,
Crooked eclipses 'gainst his glory fight,
And Time that gave doth now his gift confound.
Time doth transfix the flourish set on youth
And delves the parallels in beauty's brow,
Feeds on the rarities of nature's truth,
And nothing stands but for his scythe to mow:
And yet to times in hope my verse shall stand,
Praising thy worth, despite his cruel hand.

That time of year thou mayst in me behold
When yellow leaves, or none, or few, do hang
Upon those boughs which shake against the cold,
Bare ruin'd choirs, where late the sweet birds sang.
In me thou see'st the twilight of such day
As after sunset fadeth in the west,
Which by and by black night doth take away,
Death's second self, that seals up all in rest.
In me thou see'st the glowing of such fire
That on the ashes of his youth doth lie,
As the death-bed whereon it must expire,
Consum'd with that which it was nourish'd by.
This thou perceiv'st, which makes thy love more strong,
To love that well which thou must leave ere long.

Let me not to the marriage of true minds
Admit impediments. Love is not love
Which alters when it alteration finds,
Or bends with the remover to remove.
O no! it is an ever-fixed mark
That looks on tempests and is never shaken;
It is the star to every wand'ring bark,
Whose worth's unknown, although his height be taken.
Love's not Time's fool, though rosy lips and cheeks
Within his bending sickle's compass come;
Love alters not with his brief hours and weeks,
But bears it out even to the edge of doom.
If this be error and upon me prov'd,
I never writ, nor no man ever lov'd.

My mistress' eyes are nothing like the sun;
Coral is far more red than her lips' red;
If snow be white, why then her breasts are dun;
If hairs be wires, black wires grow on her head.
I have seen roses damask'd, red and white,
But no such roses see I in her cheeks;
And in some perfumes is there more delight
Than in the breath that from my mistress reeks.
I love to hear her speak, yet well I know
That music hath a far more pleasing sound;
I grant I never saw a goddess go;
My mistress, when she walks, treads on the ground:
And yet, by heaven, I think my love as rare
As any she belied with false compare.
"""

text = SONNETS.lower()
vocabulary = np.array(sorted(set(text)), dtype=object)
codes = np.searchsorted(vocabulary.astype(str), list(text))
print(f"{len(text)} characters, {len(vocabulary)} distinct: {''.join(vocabulary)!r}")

# %%
# Windows of the previous characters
# ----------------------------------
# Each character becomes a one-hot row as long as the vocabulary, so the text
# is a multivariate series with one feature per distinct character. With
# ``target=None``, :func:`~sklearn_rnn.make_windows` returns every window of
# ``k`` consecutive rows; the window ending just before position ``t`` is
# paired with the character at ``t``.
from sklearn_rnn import make_windows

k = 8
one_hot = np.eye(len(vocabulary), dtype=np.float32)[codes]
windows, _ = make_windows(one_hot, window_length=k, target=None)
X, y = windows[:-1], codes[k:]
print(f"X: {X.shape} (windows, k, vocabulary), y: {y.shape}")
print(
    f"first window {''.join(vocabulary[X[0].argmax(axis=1)])!r} -> {vocabulary[y[0]]!r}"
)

# %%
# The first 80 % of the text trains the model, the rest tests it. The test
# windows start after the last training target, so that no test window
# overlaps the training text.
split = int(0.8 * len(y))
X_train, y_train = X[:split], y[:split]
X_test, y_test = X[split + k :], y[split + k :]
print(f"train: {len(y_train)} windows, test: {len(y_test)} windows")

# %%
# Two baselines
# -------------
# A unigram model always predicts the most frequent character (the space); a
# bigram model predicts the character that most often followed the previous
# one in the training text.
unigram = np.bincount(y_train, minlength=len(vocabulary)).argmax()
previous_train = X_train[:, -1].argmax(axis=1)
counts = np.zeros((len(vocabulary), len(vocabulary)))
np.add.at(counts, (previous_train, y_train), 1)
bigram = counts.argmax(axis=1)
scores = {
    "unigram": np.mean(y_test == unigram),
    "bigram": np.mean(y_test == bigram[X_test[:, -1].argmax(axis=1)]),
}
print(f"most frequent character: {vocabulary[unigram]!r}")
print(f"unigram test accuracy: {scores['unigram']:.3f}")
print(f"bigram test accuracy:  {scores['bigram']:.3f}")

# %%
# The LSTM
# --------
# Each character is a class. With more than 1000 training windows,
# ``early_stopping="auto"`` would hold out a stratified random tenth of them
# (a character that occurs only once stays in the training part). But
# neighbouring windows of one text share ``k - 1`` characters, so randomly
# held-out windows are not unseen text and their loss would flatter the
# model; the test windows above come after the training text for that
# reason. Early stopping is therefore switched off and the number of epochs
# fixed instead, and kept small so that the example runs quickly (run on its
# own, each fit then warns with a ``ConvergenceWarning`` that it reached
# ``max_iter``; the documentation build silences that warning). The
# network is the second lecture's: one character per recurrent step
# (``conv_channels=None``: no convolutional stem; ``instance_norm=False``:
# no second copy of each window standardised by its own statistics, only the
# per-feature standardisation of every input), the next character read
# from the final hidden state (``readout="last"``), trained on the plain
# cross-entropy (``label_smoothing=0``) at Adam's usual rate.
from sklearn_rnn import LSTMClassifier

clf = LSTMClassifier(
    hidden_size=64,
    conv_channels=None,
    instance_norm=False,
    readout="last",
    label_smoothing=0.0,
    learning_rate_init=1e-3,
    max_iter=25,
    early_stopping=False,
    random_state=0,
).fit(X_train, y_train)
scores["LSTM"] = clf.score(X_test, y_test)
print(f"LSTM train accuracy: {clf.score(X_train, y_train):.3f}")
print(f"LSTM test accuracy:  {scores['LSTM']:.3f}")

fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(list(scores), list(scores.values()), color=["grey", "grey", "tab:blue"])
for i, value in enumerate(scores.values()):
    ax.text(i, value + 0.005, f"{value:.3f}", ha="center")
ax.set(ylabel="next-character accuracy (test)")
fig.tight_layout()

# %%
# Training accuracy is higher than test accuracy: part of what the network
# learnt is specific to the training lines. The gain over the bigram table
# on unseen lines is what it learnt from the longer context of ``k``
# characters.
#
# What the model expects next
# ---------------------------
# ``predict_proba`` gives a distribution over the characters seen in
# training, in the order of ``classes_`` (here the codes of the characters).
alphabet = vocabulary[clf.classes_]


def encode(prompt):
    return np.eye(len(vocabulary), dtype=np.float32)[
        np.searchsorted(vocabulary.astype(str), list(prompt))
    ]


prompts = ["shall i compare th", "love is not lo", "my love "]
fig, axes = plt.subplots(1, len(prompts), figsize=(11, 3), sharey=True)
for ax, prompt in zip(axes, prompts, strict=True):
    proba = clf.predict_proba([encode(prompt[-k:])])[0]
    top = np.argsort(proba)[::-1][:8]
    labels = [repr(c)[1:-1] if c != " " else "space" for c in alphabet[top]]
    ax.bar(labels, proba[top])
    ax.set_title(f"...{prompt[-k:]!r}", fontsize="medium")
    print(
        f"{prompt!r} -> "
        + ", ".join(f"{alphabet[i]!r}: {proba[i]:.2f}" for i in top[:3])
    )
axes[0].set_ylabel("probability of the next character")
fig.tight_layout()

# %%
# Sampling text with a temperature
# --------------------------------
# To generate text, draw the next character from the predicted distribution,
# append it, slide the window and repeat. Dividing the log-probabilities by a
# temperature :math:`\tau` before renormalising,
# :math:`p_i \propto p_i^{1/\tau}`, makes the draws more conservative
# (:math:`\tau < 1`, towards always taking the most likely character) or more
# adventurous (:math:`\tau > 1`).


def sample(clf, prompt, n_characters, temperature, rng):
    text = prompt
    for _ in range(n_characters):
        proba = clf.predict_proba([encode(text[-k:])])[0]
        logits = np.log(np.maximum(proba, 1e-12)) / temperature
        proba = np.exp(logits - logits.max())
        text += alphabet[rng.choice(len(proba), p=proba / proba.sum())]
    return text


rng = np.random.default_rng(0)
for temperature in [0.2, 0.6, 1.0]:
    print(f"--- temperature {temperature} ---")
    print(sample(clf, "when i do", 160, temperature, rng))

# %%
# At a low temperature the samples repeat the most frequent words and turns
# of phrase; at :math:`\tau = 1` they draw from the full distribution and
# invent words. Compare the three samples above: a network trained on 5 KB
# for a few seconds learns the spelling of common short words and the
# spaces between them, and breaks lines now and then, though not at the
# sonnets' line lengths; not their meaning.
#
# The lecture's form: a prediction at every step
# ----------------------------------------------
# The lecture's network reads the text and predicts the next character at
# every step. That is tagging, one label per timestep:
# :class:`~sklearn_rnn.LSTMTagger` with ``bidirectional=False``, so that the
# prediction at a step reads only the characters up to it. It trains on
# chunks of 32 characters, starting every 8 characters of the training text,
# each labelled with the chunk shifted one character ahead; the test chunks
# come after the training text, as the test windows did.
from sklearn_rnn import LSTMTagger

length = 32


def chunks(first, last, stride):
    starts = np.arange(first, last - length, stride)
    inputs = np.stack([one_hot[s : s + length] for s in starts])
    return inputs, np.stack([codes[s + 1 : s + length + 1] for s in starts])


X_chunks, y_chunks = chunks(0, split + k, stride=8)
X_test_chunks, y_test_chunks = chunks(split + k, len(codes) - 1, stride=length)
tagger = LSTMTagger(
    hidden_size=64,
    bidirectional=False,
    learning_rate_init=2e-3,
    max_iter=15,
    early_stopping=False,
    random_state=0,
).fit(X_chunks, y_chunks)
print(f"chunks: {X_chunks.shape} -> labels {y_chunks.shape}")
print(f"tagger test accuracy: {tagger.score(X_test_chunks, y_test_chunks):.3f}")

# %%
# One pass over a chunk predicts all its 32 next characters. The first
# steps of a chunk read fewer than the classifier's ``k`` characters and
# the later ones more; over the test text the two accuracies are close.
plt.show()
