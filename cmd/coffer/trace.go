package main

import (
	"context"
	"fmt"
	"net/url"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// startTracing returns the tracer of serve's spans, exporting by OTLP over HTTP to endpoint,
// and the function that flushes and stops it; nil and a no-op without an endpoint.
func startTracing(ctx context.Context, endpoint string) (trace.Tracer, func(context.Context) error, error) {
	if endpoint == "" {
		return nil, func(context.Context) error { return nil }, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, usageErr("--otlp-endpoint: %q is not an http:// or https:// URL", redact(endpoint))
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces" // as OTLP's own settings read an endpoint without a path
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(u.String()))
	if err != nil {
		return nil, nil, fmt.Errorf("trace exporter: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName("coffer"))))
	return tp.Tracer("github.com/cofferhq/coffer"), tp.Shutdown, nil
}
