"""The zoo's recipes: pure data. Figures they reach live in their cards under zoo/."""

from keras_vae.zoo.recipe import Recipe

# The SELFIES tokens of MOSES, the vocabulary of ``selfies_moses``: the 26 that occur in its training
# subset (a seeded random 50,000 molecules) and in the first 20,000 training molecules alike.
SELFIES_MOSES_TOKENS = (
    "[C]", "[=C]", "[Ring1]", "[=Branch1]", "[Branch1]", "[N]", "[=O]", "[O]", "[=N]", "[S]", "[Branch2]",
    "[Ring2]", "[#Branch1]", "[=Branch2]", "[F]", "[#Branch2]", "[Cl]", "[#C]", "[P]", "[=Ring1]", "[NH1]", "[Br]",
    "[#N]", "[=Ring2]", "[=S]", "[H]",
)

RECIPES = (
    Recipe(
        name="dense_mnist",
        model="DenseVAE",
        model_args=dict(latent_dim=32, hidden_units=(512, 256), activation="relu", kl_warmup_steps=5000, seed=0),
        epochs=100,
        description="MLP VAE, 32-d latent, Bernoulli pixels, dynamically binarised MNIST",
    ),
    Recipe(
        name="conv_mnist",
        model="ConvVAE",
        model_args=dict(
            latent_dim=32, filters=(32, 64), hidden_units=512, activation="relu", kl_warmup_steps=5000, seed=0
        ),
        epochs=50,
        description="Convolutional VAE, 32-d latent, Bernoulli pixels, dynamically binarised MNIST",
    ),
    Recipe(
        name="pixelvae_mnist",
        model="PixelVAE",
        # conv_mnist's encoder (dense 256) with a thin transposed-conv path from z and a PixelCNN
        # head (a 9x9 mask-A convolution of the image, 1x1 layers conditioned on z's feature maps):
        # each pixel given z and the 40 pixels above and to its left. Free nats: with a KL weight
        # alone the head explained the pixels locally and z stayed at 3 nats after 2 epochs
        # (BENCHMARKS.md); the first 12 nats of z cost nothing. Widths keep a decoder pass cheap
        # for the k=1000, 10,000-image protocol. 18 epochs of ~160 s: the 60-minute budget.
        model_args=dict(
            latent_dim=32, filters=(32, 64), decoder_filters=(16, 32), hidden_units=256, activation="relu",
            pixel_kernel=9, pixel_layers=0, pixel_filters=64, free_nats=12.0, kl_warmup_steps=2000, seed=0,
        ),
        epochs=18,
        description="PixelVAE: conv VAE with a PixelCNN head (9x9 causal context), 32-d latent, binarised MNIST",
    ),
    Recipe(
        name="conv_mnist_2d",
        model="ConvVAE",
        # The keras.io layout with swish and 32 hidden units: with its relu and 16 units one
        # of the two latent dimensions collapsed to the prior (posterior variance 0.8, ELBO
        # -177 nats), with or without KL warm-up, leaving a one-axis latent plane.
        model_args=dict(
            latent_dim=2, filters=(32, 64), hidden_units=32, activation="swish", kl_warmup_steps=2000, seed=0
        ),
        epochs=15,
        description="Conv VAE with a 2-d latent (keras.io layout) for latent-space pictures and the browser demo",
    ),
    Recipe(
        name="cvae_mnist",
        model="ConditionalVAE",
        model_args=dict(
            num_classes=10,
            body="conv",
            latent_dim=32,
            filters=(32, 64),
            hidden_units=512,
            activation="relu",
            kl_warmup_steps=5000,
            seed=0,
        ),
        epochs=50,
        description="Conditional conv VAE on digit labels, 32-d latent, dynamically binarised MNIST",
    ),
    Recipe(
        name="conv_fashion_mnist",
        model="ConvVAE",
        # conv_mnist's layout with a 128-unit dense layer instead of 512: the 3136x512 dense
        # layers are most of conv_mnist's 13 MB, and the wheel must stay small (this file: ~3.6 MB).
        # 3 epochs of 469 steps (KL warm-up over the first 1000) and an IWAE NLL with k=200: what the
        # shared 2-core machine allowed on the day (114 to 570 s per epoch measured under others'
        # load). A short schedule; the card says so.
        # Bernoulli pixels on dynamically binarised images, as for MNIST, although Fashion-MNIST's
        # grey levels (texture, dark garments) carry more of its content: the binarised test set is
        # what evaluation, the cards, the export scorer and the literature's binarised NLLs share,
        # and it keeps log p(x) a discrete probability in nats.
        model_args=dict(
            latent_dim=32, filters=(32, 64), hidden_units=128, activation="relu", kl_warmup_steps=1000, seed=0
        ),
        dataset="fashion_mnist",
        epochs=3,
        eval_k=200,
        description="Convolutional VAE, 32-d latent, Bernoulli pixels, dynamically binarised Fashion-MNIST",
    ),
    Recipe(
        name="cvae_fashion_mnist",
        model="ConditionalVAE",
        # conv_fashion_mnist's layout conditioned on the garment class (one-hot into encoder and
        # decoder): class-conditional generation and attribute directions (keras_vae.tasks.design).
        # 15 epochs, KL warm-up over the first 3000 of 7035 steps: the first 2-epoch run (warm-up
        # over 500 steps) had learnt to carry the garment type in z and ignore its label (75% of
        # its class-conditional samples were judged another class). An IWAE NLL on 500 test images
        # with k=100, to keep the evaluation within minutes on the shared 2-core machine.
        model_args=dict(
            num_classes=10,
            body="conv",
            latent_dim=32,
            filters=(32, 64),
            hidden_units=128,
            activation="relu",
            kl_warmup_steps=3000,
            seed=0,
        ),
        dataset="fashion_mnist",
        epochs=15,
        eval_examples=500,
        eval_k=100,
        description="Conditional conv VAE on garment classes, 32-d latent, dynamically binarised Fashion-MNIST",
    ),
    Recipe(
        name="conv_fashion_mnist_8bit",
        model="ConvVAE",
        # conv_fashion_mnist's layout on the 8-bit grey levels instead of binarised pixels: a
        # discretised logistic per pixel (mean and log-scale), so log p(x) is a probability over
        # the 256 levels, reported in bits per dimension as in the 8-bit image literature.
        # 4 epochs: what the shared machine allowed on the day (226-314 s an epoch under load).
        model_args=dict(
            latent_dim=32, filters=(32, 64), hidden_units=128, activation="relu", kl_warmup_steps=3000,
            likelihood="discretized_logistic", seed=0,
        ),
        dataset="fashion_mnist",
        binarize=None,
        epochs=4,
        eval_k=200,
        description="Convolutional VAE, 32-d latent, discretised logistic on 8-bit Fashion-MNIST grey levels",
    ),
    Recipe(
        name="beta_vae_mnist",
        model="ConvVAE",
        # beta = 4 (Higgins et al. 2017) presses information into few latent dimensions,
        # each closer to one factor (slant, width, thickness) for traversal pictures.
        model_args=dict(
            latent_dim=10, filters=(32, 64), hidden_units=128, activation="relu", beta=4.0, kl_warmup_steps=2000,
            seed=0,
        ),
        epochs=20,
        eval_k=200,
        description="beta-VAE (beta=4), conv, 10-d latent, for latent traversals (keras-vae traverse)",
    ),
    Recipe(
        name="m2_mnist",
        model="SemiSupervisedVAE",
        # Kingma et al. (2014)'s M2 layout: MLPs of one 500-unit softplus layer, a 50-d z.
        # alpha: the paper's 0.1 * N on a labelled-set mean is, against batch means of
        # the unlabelled bound, 0.1 * N / N_labelled = 0.1 * 60000 / 100 = 60.
        model_args=dict(
            num_classes=10, latent_dim=50, hidden_units=(500,), classifier_units=(500,), activation="softplus",
            alpha=60.0, seed=0,
        ),
        labels_per_class=10,
        epochs=50,
        eval_k=100,
        description="M2 semi-supervised VAE (Kingma et al. 2014) trained with 100 MNIST labels, 10 per class",
    ),
    Recipe(
        name="m1m2_mnist",
        model="StackedSemiSupervisedVAE",
        # Kingma et al. (2014)'s M1+M2 as the authors' code (dpkingma/nips14-ssl) runs it: M1 with two
        # 600-unit softplus layers and a 50-d z1; M2 (one 300-unit softplus layer, 50-d z2) on draws
        # of z1, its inference networks reading only the z1 dimensions in use (posterior means
        # varying by more than 0.1, as that code keeps them; the others are prior noise). The weights
        # of the code's objective, which sums every example's bound once an epoch: the labelled
        # bound at n_labelled / n_unlabelled = 100 / 59,900 of the unlabelled one (each step sees all
        # 100 labelled codes), the cross-entropy at alpha = 0.1 * N / N_unlabelled ~= 0.1 against
        # batch means. As there, M1 is trained first and M2 goes on on its fixed codes: here both
        # start together and M1 is frozen after m1_epochs. Frozen-code probes (BENCHMARKS.md, "M1+M2 with 100
        # labels") measured each change. M1 trains on the unlabelled images only; M2 on z1 ~ q(z1|x)
        # with the same 100 labels (10 per class, seed 0) as m2_mnist.
        model_args=dict(
            m1_hidden_units=(600, 600), m1_latent_dim=50, m1_activation="softplus", m1_active_threshold=0.1,
            m1_epochs=50, num_classes=10, latent_dim=50, hidden_units=(300,), classifier_units=(300,),
            activation="softplus", alpha=0.1, labelled_weight=100 / 59_900, seed=0,
        ),
        labels_per_class=10,
        # 100 codes a step (600 steps an epoch: M2's accuracy moves with steps, not epochs) and a
        # constant learning rate, so that a run extends (`--epochs N` on the same --out) without
        # changing its schedule. 500 epochs: the shipped run was one of 230, extended to a length
        # fixed before it went on from the session's time (not from test figures).
        batch_size=100,
        learning_rate=1e-3,
        lr_schedule="constant",
        epochs=500,
        eval_k=100,
        description="M1+M2 (Kingma et al. 2014): M2 on the 50-d codes of an M1 VAE, 100 MNIST labels, 10 per class",
    ),
    Recipe(
        name="selfies_moses",
        model="SequenceVAE",
        # Gomez-Bombarelli et al. (2018)'s sequence VAE on SELFIES tokens (every token string is a
        # molecule): 1-D conv encoder, autoregressive GRU decoder, categorical tokens.
        # Sized for throughput (BENCHMARKS.md, "selfies_moses"): the step is GRU-bound, so a 192-unit
        # decoder fed z through its initial state only (not concatenated to every input step),
        # unrolled over the 56 steps, costs 0.39 CPU-s per 128 molecules against 0.60 for the first
        # recipe's 256 units fed z each step; the time saved buys more distinct molecules
        # (a seeded random 250,000 of MOSES's 1,584,663, 2 epochs, 3,908 steps) instead of repeats.
        # The KL: beta = 1 (the ELBO itself) with 3 free nats per molecule (free bits, Kingma et al.
        # 2016) against posterior collapse, after a 1,000-step warm-up. Measured: beta 0.1 (as MOSES's
        # VAE anneals to 0.05) kept 27 nats in z, but z ~ N(0, I) then falls where no molecule was
        # encoded and the decoder closes the molecule early (C=O, CF, ...: 14% of prior samples,
        # 0.1% of posterior samples; unique@10k 0.876); beta 0.25 to 1 without free bits collapse it
        # (KL 2.3 to 0.1 nats after 600 steps).
        # max_length 56 holds the longest SELFIES (51 tokens in 200,000) and <eos>.
        model_args=dict(
            vocabulary=SELFIES_MOSES_TOKENS, notation="selfies", max_length=56, encoder="conv", embedding_dim=64,
            units=192, z_every_step=False, unroll=True, latent_dim=64, beta=1.0, free_nats=3.0, kl_warmup_steps=1000,
            seed=0,
        ),
        dataset="moses",
        binarize=None,
        epochs=2,
        batch_size=128,
        learning_rate=1e-3,
        train_examples=250000,
        eval_examples=500,
        eval_k=50,
        description="SELFIES sequence VAE (conv encoder, GRU decoder), 64-d latent, 250k MOSES molecules",
    ),
)
