// Amazon Rekognition Custom Labels: projects, datasets, trained models.
package rcl
