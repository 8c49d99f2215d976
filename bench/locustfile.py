"""Load profile for bench_load: anonymous readers of the public catalogue and API, and the health check."""
from locust import HttpUser, constant, task


class PublicReader(HttpUser):
    wait_time = constant(0)

    @task(3)
    def browse_national_model(self):
        self.client.get("/catalogue/national/")

    @task(3)
    def read_model_api(self):
        self.client.get("/api/v1/models/national")

    @task(1)
    def health(self):
        self.client.get("/healthz")
