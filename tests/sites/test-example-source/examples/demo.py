import torch

model = torch.nn.Linear(3, 1)
model.eval()
with torch.no_grad():
    pred = model(torch.ones(1, 3))
