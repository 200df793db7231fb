"""Channel analytics on the host side: recording, the built-in sinks and the report.

The core emits :class:`~channelkit.sdk.analytics.AnalyticsEvent` values with its
other deliveries; :class:`~channelkit.host.analytics._recorder.AnalyticsRecorder`
keeps the latest in memory and hands each to the configured sinks;
``channelkit analytics report`` reads JSON Lines files back.
"""
