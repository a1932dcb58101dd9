"""The zoo's recipes: pure data. Figures they reach live in their cards under zoo/."""

from keras_vae.zoo.recipe import Recipe

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
)
