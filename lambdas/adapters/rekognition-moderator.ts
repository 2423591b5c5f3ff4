/** ImageModerator on Amazon Rekognition DetectModerationLabels (AWS stages). */
import { DetectModerationLabelsCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import type { ImageModerator, ModerationResult } from '../core/ports.ts';
import { bandFromRekognition } from '../core/nsfw-bands.ts';
import { traced } from './tracing.ts';

export class RekognitionModerator implements ImageModerator {
  constructor(
    private readonly client: RekognitionClient = traced(new RekognitionClient({})),
    private readonly minConfidence = 60,
  ) {}

  async classify(jpeg: Buffer): Promise<ModerationResult> {
    // Bytes (≤ 5 MB) rather than an S3 reference: the input is the ≤1024 px moderation JPEG.
    const result = await this.client.send(
      new DetectModerationLabelsCommand({ Image: { Bytes: jpeg }, MinConfidence: this.minConfidence }),
    );
    const labels = result.ModerationLabels ?? [];
    return {
      band: bandFromRekognition(labels, this.minConfidence),
      labels: labels.map(
        (label) =>
          `${label.ParentName ? `${label.ParentName}/` : ''}${label.Name}:${Math.round(label.Confidence ?? 0)}`,
      ),
      provider: 'rekognition',
    };
  }
}
