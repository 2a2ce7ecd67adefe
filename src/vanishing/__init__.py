"""vanishing: experiments on vanishing and exploding gradients."""
