//! OTLP/gRPC with tonic's generated client.

use anyhow::Context as _;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;

/// Sends one logs export to `endpoint` (`http://host:port`) and waits for the
/// reply.
///
/// # Errors
/// When the connection fails or the server answers with a gRPC error.
pub fn logs_grpc(endpoint: &str, request: ExportLogsServiceRequest) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("building a runtime for the gRPC client")?;
    runtime.block_on(async {
        let mut client = LogsServiceClient::connect(endpoint.to_owned())
            .await
            .with_context(|| format!("connecting to {endpoint}"))?;
        client.export(request).await.with_context(|| format!("exporting logs to {endpoint}"))?;
        Ok(())
    })
}
